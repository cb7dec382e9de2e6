"""The admin API under /__admin: the shared state read and changed at runtime, faults, the journal, credentials.

Modules: ``access`` (where it is, who may call it), ``errors`` (its error shape), ``operations`` (what each call
does to the shared state), ``handlers`` (the calls over HTTP), ``secrets`` (reads withhold them), ``client`` (a client
for the command line). The APIs' own calls (minting their credentials) import ``access`` and ``errors`` only, so this
package imports none of its modules itself.
"""
