"""Validation: SHACL shapes compiled to SPARQL (:mod:`.compile`), the report and its
renderings (:mod:`.validate`, :mod:`.report_html`); the only importer of pySHACL."""
