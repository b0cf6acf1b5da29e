"""The load generator: real WebSocket and HTTP clients in a process of their own.

It imports nothing from Django, so what it measures is the server as a client sees it:
the harness (`bench.runner`) seeds the database, mints tokens and starts the servers,
then runs `python -m bench.loadgen SPEC.json RESULT.json` with everything this process
needs written into the spec. Keeping the clients out of the harness process means the
harness's own Django import and seeding never steal event-loop time from the clients.

Every phase is bounded: connects have a timeout, each rate step has a duration, the
drain after a step has a deadline, and `deadline_seconds` caps the whole run. The
process always exits by itself and closes its sockets on the way out.

Modes (the spec's `mode`):

* `messages`: open one socket per client, send messages (over the socket or `POST
  /api/messages`) and time every `new_message` delivery by the `client_id` the sender
  put on it (send->receive latency, lost, duplicated and out-of-order deliveries).
  Without clients it times only the HTTP sends (rest-send). A step is either open loop
  (`rate` x `duration`: a fixed schedule, whatever the replies) or closed loop (`count`
  sends with `concurrency` in flight: a new send starts when one finishes, i.e. when its
  HTTP response or its `message_ack` arrived). Optional `non_readers`: sockets that
  complete the handshake and then never read (overload), watched from outside.
* `idle`: open the sockets, write `ready_file`, hold them open and silent, close.
* `storm`: open every socket at once and time until each got `connected`.
* `http`: named groups of GET requests, one at a time, timed (convlist, history).

One module per part: `sockets` (the clients), `non_readers` (overload's sockets that never
read), `messages` (the `messages` mode), `modes` (the others), `common` (clock,
percentiles, JSON), `__main__` (reads the spec, runs the mode, writes the result).
"""
