"""Where the admin API is served and where its token is read from: shared by the server and its clients."""

# This module imports nothing: the clients of a running sandbox (the command line, the pytest plugin) read these
# without loading the server and its libraries.

# Where the admin API is served, beside the APIs on the same port.
ADMIN_PREFIX = "/__admin"
# Where `mockserver serve`, `mockserver token` and the pytest plugin read the admin token when it is not given as an
# option, so that the token need not appear in a process list.
ADMIN_TOKEN_ENV = "MOCKSERVER_ADMIN_TOKEN"
