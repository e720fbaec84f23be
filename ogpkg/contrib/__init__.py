"""The write side: the write gate every write goes through (:mod:`ogpkg.contrib.gate`)."""
