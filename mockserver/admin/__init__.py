"""The admin API under /__admin: the shared state read and changed at runtime, faults, the journal, credentials.

Modules: ``location`` (where it is, where its token is read from), ``access`` (who may call it), ``errors`` (its error
shape), ``operations`` (what each call does to the shared state), ``handlers`` (the calls over HTTP), ``secrets``
(reads withhold them), ``client`` (a client of a running sandbox, with no server library). The APIs' own calls
(minting their credentials) import ``access`` and ``errors`` only, so this package imports none of its modules itself.
"""
