#!/usr/bin/env python3
"""Search the logs of a whole test run for personal data.

Usage: check_logs.py DIR        every file under DIR (the servers and in-process tests of one
                                run write their logs there; see scripts/test)
       check_logs.py --self-test

What counts as personal data in a log line (docs/LOGGING.md says none may be there):
- a 13-digit Thai ID number, with or without dashes or spaces, whose check digit is right;
- Thai letters at all: log messages are English and codes, so Thai text in a log is a name, an
  address or a note someone typed;
- an e-mail address;
- a Thai phone number (0 and 8 or 9 more digits, with or without dashes, or +66).

A directory without any log line, or without a single HTTP request span, fails too: a check that
read nothing proves nothing.
"""

import os
import re
import sys

THAI = re.compile(r"[\u0E00-\u0E7F]+")
# Not inside a longer run of digits, letters or a decimal (request ids are UUIDs, timings decimals).
EDGE_BEFORE = r"(?<![0-9A-Za-z.\-_])"
EDGE_AFTER = r"(?![0-9A-Za-z_])"
ID_CANDIDATE = re.compile(EDGE_BEFORE + r"([0-9](?:[- ]?[0-9]){12})" + EDGE_AFTER)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(EDGE_BEFORE + r"(?:\+66[- ]?|0)[689](?:[- ]?[0-9]){7,8}" + EDGE_AFTER)
REQUEST_SPAN = re.compile(r"http\{|\"method\"|method=")


def thai_id_ok(digits: str) -> bool:
    if len(digits) != 13 or digits[0] == "0":
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def problems(line: str):
    found = []
    for m in ID_CANDIDATE.finditer(line):
        digits = re.sub(r"[- ]", "", m.group(1))
        if thai_id_ok(digits):
            found.append(("Thai ID number", m.group(1)))
    for m in THAI.finditer(line):
        found.append(("Thai text (a name, address or note)", m.group(0)))
    for m in EMAIL.finditer(line):
        found.append(("e-mail address", m.group(0)))
    for m in PHONE.finditer(line):
        found.append(("phone number", m.group(0)))
    return found


def check(directory: str) -> int:
    files = 0
    lines = 0
    requests = 0
    bad = []
    for root, _, names in os.walk(directory):
        for name in sorted(names):
            path = os.path.join(root, name)
            files += 1
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    lines += 1
                    if REQUEST_SPAN.search(line):
                        requests += 1
                    for kind, text in problems(line):
                        bad.append(f"{path}:{n}: {kind}: {text!r}")
    print(f"check_logs: {files} files, {lines} lines, {requests} lines of HTTP requests")
    if lines == 0 or requests == 0:
        print("check_logs: no logs to check (the run wrote none): failing", file=sys.stderr)
        return 1
    if bad:
        print(f"check_logs: {len(bad)} personal data found in logs:", file=sys.stderr)
        for b in bad[:50]:
            print("  " + b, file=sys.stderr)
        return 1
    print("check_logs: no personal data in the logs")
    return 0


def self_test() -> int:
    planted = {
        "id with dashes": "user 1-1017-00230-70-8 signed in",
        "id plain": 'detail="1101700230708"',
        "thai name": "created person นางสมศรี ศรีสุข",
        "email": "login failed for somchai@example.org",
        "phone": "phone 081-234-5678 saved",
    }
    clean = [
        'INFO http{method=GET path=/persons/{id} request.id=6f1c}: finished status=200 latency=3ms',
        "request.id=aadf1026-87c3-47c0-8267-0959155598e8 elapsed=67.838049ms",
        "user.id=1234567890123 person.id=42",  # 13 digits, wrong check digit
        "areas loaded: 7255 rows in 1020 ms",
    ]
    ok = True
    for what, line in planted.items():
        if not problems(line):
            print(f"self-test: missed the {what}: {line}", file=sys.stderr)
            ok = False
    for line in clean:
        if problems(line):
            print(f"self-test: flagged a clean line: {line} {problems(line)}", file=sys.stderr)
            ok = False
    print("check_logs self-test: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(check(sys.argv[1]))
