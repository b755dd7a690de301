#!/usr/bin/env python3
"""Drive rr-run's monitor over its unix socket: monitor-client.py [-t] [-w S] SOCK < script.

Each script line is sent as a command; the reply is read up to the prompt line
"(rr)" and printed after a line "@> COMMAND". A line "!stop-after SECONDS CMD"
sends CMD, then "stop" after SECONDS, and prints the reply. Every wait is bounded
(30 s, or S with -w): a missing prompt is an error (exit 1). With -t each reply
is followed by "@time SECONDS", the wall time from sending the command."""
import socket, sys, time

def main():
    args = sys.argv[1:]
    timed, wait = False, 30.0
    while args and args[0].startswith("-"):
        if args[0] == "-t":
            timed = True
        elif args[0] == "-w":
            wait = float(args[1])
            args = args[1:]
        args = args[1:]
    s = socket.socket(socket.AF_UNIX)
    for _ in range(100):
        try:
            s.connect(args[0])
            break
        except OSError:
            time.sleep(0.1)
    else:
        print("cannot connect", file=sys.stderr)
        return 1
    s.settimeout(wait)
    buf = b""

    def reply():
        nonlocal buf
        while b"(rr)\n" not in buf:
            d = s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            buf += d
        text, _, buf = buf.partition(b"(rr)\n")
        return text.decode(errors="replace")

    try:
        sys.stdout.write("@banner\n" + reply())
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line.startswith("!stop-after "):
                _, secs, cmd = line.split(" ", 2)
                print("@> " + cmd, flush=True)
                s.sendall(cmd.encode() + b"\n")
                time.sleep(float(secs))
                t0 = time.time()
                s.sendall(b"stop\n")
                sys.stdout.write(reply())
                print("@stop-latency %.3f" % (time.time() - t0))
                continue
            print("@> " + line, flush=True)
            t0 = time.time()
            s.sendall(line.encode() + b"\n")
            if line in ("quit", "q"):
                break
            sys.stdout.write(reply())
            if timed:
                print("@time %.3f" % (time.time() - t0), flush=True)
    except (EOFError, socket.timeout) as e:
        print("@error " + str(e))
        return 1
    return 0

sys.exit(main())
