"""What ``serve`` holds a client to: request sizes, open connections and deadlines.
Details: docs/serve.md"""

#: Longest request line accepted (method, target and version), in bytes: longer is a 414.
MAX_REQUEST_LINE = 8192
#: Longest header line accepted (name, value and line end), in bytes: longer is a 431.
MAX_HEADER_LINE = 8192
#: Most header bytes accepted in one request, all lines together: more is a 431.
MAX_HEADER_BYTES = 32768
#: Most header lines accepted in one request (the standard library's own limit): more is a 431.
MAX_HEADERS = 100
#: Most connections open at once (``serve --max-connections``). Past it, the connection that has waited
#: longest for a request is closed to make room; when every one is being answered, new ones wait in the
#: listen backlog. Lowered to fit the open-file limit (``RLIMIT_NOFILE`` less :data:`FD_RESERVE`).
MAX_CONNECTIONS = 512
#: Seconds for a whole request head (request line and headers), counted from the connection's start, or
#: from the first byte of a later request on a keep-alive connection: past it, the connection is closed.
HEAD_TIMEOUT = 10.0
#: Seconds a keep-alive connection may wait for its next request before it is closed.
IDLE_TIMEOUT = 60.0
#: Seconds to deliver one whole answer: past it (a client that does not read), the connection is closed
#: and nothing more, not even an error, is written to it.
ANSWER_TIMEOUT = 30.0
#: Threads computing answers. None of them ever waits on a client: one loop does every read and write.
WORKERS = 4
#: Open files kept aside for the process itself (snapshot files, the loop's own descriptors).
FD_RESERVE = 64
