"""The read side: SPARQL protocol parsing and negotiation (:mod:`.protocol`), the SERVICE guard
(:mod:`.federation`), the engine and its killable workers (:mod:`.engine`, :mod:`.worker`),
each client's share of them (:mod:`.fairness`), the canned queries (:mod:`.canned`), the
result cache (:mod:`.cache`) and :class:`~ogpkg.query.service.QueryService`, which every read
goes through."""
