#!/usr/bin/env python3
"""validate-schema.py SCHEMA DOCUMENT: validates DOCUMENT (a JSON file, `-`
for stdin) against SCHEMA, one of the runtime-spec's JSON schemas, whose
relative $refs are resolved beside it.  Prints each violation with its JSON
path; exits 0 when there is none, 1 otherwise, 77 without python3-jsonschema."""
import json
import pathlib
import sys
import warnings

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

schema_path = pathlib.Path(sys.argv[1]).resolve()
schema = json.loads(schema_path.read_text())
doc = json.load(sys.stdin if sys.argv[2] == "-" else open(sys.argv[2]))
# RefResolver is what Debian 12's jsonschema (4.10) has; newer ones warn.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    resolver = jsonschema.RefResolver(base_uri=schema_path.parent.as_uri() + "/", referrer=schema)
    errors = list(jsonschema.Draft4Validator(schema, resolver=resolver).iter_errors(doc))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
sys.exit(1 if errors else 0)
