"""The write side: readers of contributed data (:mod:`.ingest`), content sync
(:mod:`.content`), contributions and HTTP writes as changes (:mod:`.contribute`,
:mod:`.writes`), uploads waiting to be published (:mod:`.uploads`), and the write gate every
write goes through (:mod:`.gate`)."""
