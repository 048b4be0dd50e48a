"""Inputs for mailauth: mail messages (headers, Received chains, bodies whose whitespace the
canonicalizations treat differently, MIME parts), DNS answers as the JSON file its --dns-cache
option reads (SPF, DMARC, DKIM and BIMI records), fixed keys as case files, and its commands:
report, sign, seal and spf (4.4.2 has no bodyhash command).

Nothing may depend on the clock or the machine: every sign and seal passes --time, every
report, seal and spf passes --mta (its default is the box's host name), every DNS answer comes
from the case's dns.json (mailauth then never queries a resolver), no SPF macro uses %{t}, and
DKIM expiry times lie far in the past or the future. ``--help`` of report, seal and spf shows
the host name too, so only other commands' help is asked for.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

# Fixed keys, made once with openssl for this target (test keys, public in this repository).
KEYS = {
    "rsa1": """-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAN+jfnNJAadG1+Dm
LHo0gJvodxO5f2DPxt2EKzFbtIgeGJGJIr+DOD6xxlnbuAwBsuXkGrwSzJH0f0n8
6Il3DMUlgB/TPjnUPn7ttJYfXkh2kJpyVaq00sjuSMaapDyja/XVaF2K84DqeEg1
SExDbHxfvXOZxigP8NVb3llYgPtXAgMBAAECgYEAq6MVF3G+nR1X7bl6BUhqND4T
tcW2Jx0QKU6Yv8b8JUPD4152lrkk36kc7DYfaMec/6czhYiADLyzPJun9Gi0GOL8
Hw4F9Ts2IbbdKVAnH9kB7dd+viACV5Ayq7c9KPgAlFWAjhTNBCd1e0X137XDMqdf
Zgu7q7TS9DuhXEAeJZECQQD5N1bRV/MNs+ZK+hDaS71degLzNB336pwEjWd7If3m
Rb8YZdVUGOJn/oNQ8QwATdG20jkAbRmEpMaHe8kxoC/LAkEA5bnrBqiFsr7vAyxd
heRmg0e5HJeXWePkYe2jNozhpJlZvASZwaySvW0Pw4bpjnZrqDS/Ot1he5ji2hkC
AqXZJQJAOjQseJP71fVwEY65pOIPhedbDQXdAeuvKHkF9AIKVF9xs/cEjbGKHxOY
A61oSiHimroaSfkw/oOlQjss0ARDZQJAEoobjpEBITjJfz8QWSLipwudw9H0E/wR
TVnpRxi9iRQbKtJQOlIcEY+Aqy3zIV0rOQrwt+Zv3JKtFB7ai64oxQJAa8Xs+rIa
B+0fHqojFiuIN6kBnN9ET814S4XmahxYXvtjscy+/6A5Wae1E1AOJvYS1qIGKqzE
jhcH6xdbRK9e0A==
-----END PRIVATE KEY-----
""",
    "rsa2": """-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCeEIg46tbom0T0
BEjfGnrjsnySlysn3aFFHrF13PX6vLJxBrzRPvsmuQ8oDURBldVe1zWv5X6c8oF5
4VnS2hCPseQwxYVgJyJGGb38eqnkiFQci/c0UmcYguDXZIqjUnxTLMulK9jwZSk2
8g3qozMIOTSw7DMblH6gqkVKvTl8xVLQFPl8CpGxEFZopyxOEwRUUpcg6LVKISiY
QKCjBjrdbQrvz2c8d0XZZl495N8B8eGwjsazMLlDhcVTa5R0E1TB0PuyJYv0928n
bdtQuyPe+YulfIoFkzlqweFMe8PjxImoakIS3LKqr9UmsIIF3LHMCkoXhiJkvOCe
ho41EwYbAgMBAAECggEAMjC5sKkROKclC/7YTM+Ruf+RAtMxhuUfMl1+qBhTmxyT
5MPo7OB8y1zz7RnZVKIJMKZRi9rpi1iNuG/QH93SaG5qMPpnUZLblTrTUvp4O/L2
EmJ3Sovn5KaaUorAYv/sLlUJDReROTRGFAZkWN8dcz0G+C7oQ5exZb7rZcIUIQPf
d9fq3prRIjwyWySTIuB1RtI6S4XkT/VK+FHjzNKK2GoIHn4otzHhL1pEYHpOkKbf
ZDoqSR27Rx/Hh0aSOhpPSRK/Q33PQo59AKwsSzJWI5CMFnE0ftukJ7XpFXkt/tUi
8/Y3Gd9ORTalK+H0UkGRbAFDkqEx+ZSWvWmhJf60cQKBgQDLfYyAdu5kM/YI6zzE
oN3+PedlQxdT1eN7zeqxruQLSp+vv/BHypGNR5JfSxM+/BOrYFeRwzYfY4BvUTmv
AtY9nVD9iVwFCswGWmyEiCsiCqOqBNJdfzgldEfhYD9YYublq9gliqBYgoQTdSi2
iDn2Pc3yLD3g0Xq0v/D6ywRDjwKBgQDG2i4YWJ5PIibRkeYiAY2YPdb4H//I9ovU
PBE9Io5ld9NtPVOIMLDLRx0lRY1cq9NvbeSbOSZRFlUeBcLd1OBd+9rATZS38fKI
CHUi1BgGFkoG1zHmc//1Y3gxoSrVvct8XIKfbAj6awg5brfLPfzVtuWfAAN7VbfS
Vkz2vlOetQKBgQDEpA95OPTH6hqQpdn0XUwI2wNYLIxHXILW6bcpe0styjAkIwPs
LEmZUBeXdLIlhGzxiEk3N4B+tqWvbLukbsZfhj10tB8zVCqy3QDO1dNwsv1TWBN9
fGnib8ridSLho7ljKjvWk269+Wnub6InOd9hIHp60tv8/BFqx6z0fekh6wKBgEeZ
3CssDaTU2UFw1Xq9MGz3J2akrwd/rw22q0ZmIPvsT5bwFBnf3mjzrEz1ZFdQD4v5
9+zkgSWFcxSiYm5Z7ogo3bWMudYaKohM81CdKiFW+UTJS9B9SFblgCvuqmvYMWMQ
NICO+BSjYYy8jzWBln6lorzD1n0celokdQYLtjRZAoGAacNv4z66eDt9/fgC/Bnn
06S5KKZdEOM07xYyJgDS/Twh74aI1/D7siu91RXc2WhpRoupg96Ko6Alqq1D8z9b
RmKsyfyMQZiVerNLnWdL+lHsZ3gSvKplDxrKBbvLJPTAn6dFrIn0EoBaa2p6whu9
35z+L1GPvcXgZbG9V1LpIY4=
-----END PRIVATE KEY-----
""",
    "ed": """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPq9sgKfGoVn/x/w91Q2Zyqzae78GJ0ltkcTFKoHNhZM
-----END PRIVATE KEY-----
""",
}
PUBLIC = {
    "rsa1": (
        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDfo35zSQGnRtfg5ix6NICb6HcTuX9gz8bdhCsxW7SI"
        "HhiRiSK/gzg+scZZ27gMAbLl5Bq8EsyR9H9J/OiJdwzFJYAf0z451D5+7bSWH15IdpCaclWqtNLI7kjG"
        "mqQ8o2v11WhdivOA6nhINUhMQ2x8X71zmcYoD/DVW95ZWID7VwIDAQAB"
    ),
    "rsa2": (
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnhCIOOrW6JtE9ARI3xp647J8kpcrJ92hRR6x"
        "ddz1+ryycQa80T77JrkPKA1EQZXVXtc1r+V+nPKBeeFZ0toQj7HkMMWFYCciRhm9/Hqp5IhUHIv3NFJn"
        "GILg12SKo1J8UyzLpSvY8GUpNvIN6qMzCDk0sOwzG5R+oKpFSr05fMVS0BT5fAqRsRBWaKcsThMEVFKX"
        "IOi1SiEomECgowY63W0K789nPHdF2WZePeTfAfHhsI7GszC5Q4XFU2uUdBNUwdD7siWL9PdvJ23bULsj"
        "3vmLpXyKBZM5asHhTHvD48SJqGpCEtyyqq/VJrCCBdyxzApKF4YiZLzgnoaONRMGGwIDAQAB"
    ),
    "ed": "yzIlVjboqrq+9R6ZapIVA2Fif/dtOctafbjP/0c1AhU=",
}

DOMAINS = ["example.com", "example.org", "mail.example.com", "news.example.org", "example.net"]
SELECTORS = ["s1", "2024", "mail", "sel-a"]
SENDERS = ["alice", "bob", "noreply", "x.y+tag", "postmaster"]
IPS = ["192.0.2.10", "192.0.2.200", "198.51.100.7", "203.0.113.5", "2001:db8::25", "10.1.2.3"]
TIMES = ["1700000000", "1704067200", "946684800", "2000000000", "1"]  # 0 means now
MTA = "mx.example.net"
SUBJECTS = ["Hello", "Invoice 42", "=?UTF-8?B?SMOpbGxv?=", "Re: [list] meeting   notes", ""]
BODY_LINES = [
    "Hello Bob.", "", "  leading spaces", "trailing spaces   ", "tab\there\t", "-- ",
    "A line that is long enough to be folded by nothing at all but still quite long indeed.",
    "=3D quoted", ".", "..dots", "Ünïcödé text", "   ", "\t",
]  # fmt: skip
DISPLAY_NAMES = ["", "Alice ", '"Bob, Jr." ']
SIGNED_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                  "Reply-To", "Cc", "X-Missing"]  # fmt: skip


def address() -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(SENDERS), st.sampled_from(DOMAINS)).map("@".join)


def received(ip: str, helo: str) -> str:
    literal = f"[{ip}]" if ":" not in ip else f"[IPv6:{ip}]"
    return (
        f"Received: from {helo} ({helo} {literal})\r\n\tby {MTA} with ESMTPS id 4Tx9\r\n"
        "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    )


@st.composite
def messages(draw: st.DrawFn) -> str:
    """A message with CRLF line ends (or LF), a Received chain, a plain or multipart body."""
    sender = draw(address())
    header_from = draw(st.one_of(st.just(sender), address()))
    ip = draw(st.sampled_from(IPS))
    helo = draw(st.sampled_from(["mail." + sender.split("@")[1], "unknown", "smtp.example.org"]))
    headers = []
    if draw(st.booleans()):
        headers.append(f"Return-Path: <{sender}>\r\n")
    if draw(st.integers(0, 3)):
        headers.append(received(ip, helo))
    headers += [
        f"From: {draw(st.sampled_from(DISPLAY_NAMES))}<{header_from}>\r\n",
        "To: Bob <bob@example.net>\r\n",
        f"Subject: {draw(st.sampled_from(SUBJECTS))}\r\n",
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n",
        f"Message-ID: <{draw(st.integers(1, 999))}@{header_from.split('@')[1]}>\r\n",
    ]
    extra = draw(st.lists(st.sampled_from([
        "Cc: carol@example.org\r\n", "Reply-To: <reply@example.com>\r\n",
        "X-Mailer: test   mailer\r\n", "Subject: second subject\r\n",
        "X-Folded: one\r\n two\r\n\tthree\r\n", "Sender: agent@example.org\r\n",
    ]), max_size=3))  # fmt: skip
    headers += extra
    lines = draw(st.lists(st.sampled_from(BODY_LINES), max_size=8))
    body = "".join(line + "\r\n" for line in lines) + draw(
        st.sampled_from(["", "\r\n", "\r\n\r\n"])
    )
    if draw(st.booleans()):
        headers += [
            "MIME-Version: 1.0\r\n",
            'Content-Type: multipart/alternative; boundary="b1"\r\n',
        ]
        body = (
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + body
            + "--b1\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b1--\r\n"
        )
    text = "".join(headers) + "\r\n" + body
    return text.replace("\r\n", "\n") if draw(st.integers(0, 4)) == 0 else text


# DNS answers: the shapes mailauth's --dns-cache file holds (TXT as lists of strings).
SPF_TERMS = [
    "ip4:192.0.2.0/24", "ip4:198.51.100.7", "ip6:2001:db8::/32", "a", "mx", "a:mail.example.com",
    "mx:example.org/24", "include:_spf.example.org", "include:missing.example.org",
    "exists:%{i}.x.example.com",
    "redirect=_spf.example.org", "-ip4:203.0.113.0/24", "~all", "-all", "?all", "+all",
    "ip4:10.0.0.0/8", "include:%{d}.spf.example.net", "a/24", "exp=explain.example.com",
    "ptr", "ip4:192.0.2.300", "bogus:x",
]  # fmt: skip
DMARC = [
    "v=DMARC1; p=reject", "v=DMARC1; p=none; rua=mailto:d@example.com",
    "v=DMARC1; p=quarantine; pct=50",
    "v=DMARC1; p=reject; adkim=s; aspf=s", "v=DMARC1; p=none; sp=reject", "v=DMARC1; p=bogus",
    "v=DMARC1", "v=DMARC1; p=quarantine; sp=none; adkim=r", "not dmarc",
]  # fmt: skip


def spf_record() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(SPF_TERMS), max_size=5).map(
        lambda terms: "v=spf1 " + " ".join(terms)
    )


def dkim_record(key: str) -> st.SearchStrategy[str]:
    kind = "ed25519" if key == "ed" else "rsa"
    public = PUBLIC[key]
    return st.sampled_from([
        f"v=DKIM1; k={kind}; p={public}", f"k={kind}; p={public}", f"v=DKIM1; k={kind}; p=",
        f"v=DKIM1; k={kind}; t=y; p={public}", f"v=DKIM1; k={kind}; h=sha1; p={public}",
        f"v=DKIM1; k={kind}; p={PUBLIC['rsa2']}", f"v=DKIM1; k={kind}; s=email; p={public}",
        "v=DKIM1; k=rsa; p=notbase64!",
    ])  # fmt: skip


@st.composite
def dns_cache(draw: st.DrawFn, key: str = "rsa1", selector: str = "s1") -> dict:
    """Answers for the domains the messages use: SPF, DMARC, DKIM keys, A/MX for SPF terms."""
    cache: dict = {}
    for domain in DOMAINS:
        records = {}
        if draw(st.integers(0, 4)):
            records["TXT"] = [[draw(spf_record())]]
        if draw(st.booleans()):
            records["A"] = [draw(st.sampled_from(["192.0.2.10", "203.0.113.5", "198.51.100.7"]))]
        if draw(st.booleans()):
            records["MX"] = [{"exchange": f"mx.{domain}", "priority": 10}]
        if records:
            cache[domain] = records
        if draw(st.integers(0, 3)):
            cache[f"_dmarc.{domain}"] = {"TXT": [[draw(st.sampled_from(DMARC))]]}
        if draw(st.integers(0, 3)):
            cache[f"{selector}._domainkey.{domain}"] = {"TXT": [[draw(dkim_record(key))]]}
        if draw(st.integers(0, 4)) == 0:
            cache[f"default._bimi.{domain}"] = {"TXT": [["v=BIMI1; l=; a="]]}
    cache["_spf.example.org"] = {"TXT": [[draw(spf_record())]]}
    cache["mx.example.com"] = {"A": ["192.0.2.10"]}
    cache["mx.example.org"] = {"A": ["198.51.100.7"], "AAAA": ["2001:db8::25"]}
    return cache


def dumps(cache: dict) -> bytes:
    return json.dumps(cache, indent=1).encode()


def key_choice() -> st.SearchStrategy[tuple[str, str | None]]:
    """A key file and the algorithm option that goes with it (or none: the key's default)."""
    return st.sampled_from([
        ("rsa1", None), ("rsa2", None), ("ed", None), ("rsa1", "rsa-sha256"), ("rsa2", "rsa-sha1"),
        ("ed", "ed25519-sha256"), ("rsa1", "ed25519-sha256"),
    ])  # fmt: skip


CANONICALIZATIONS = ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed",
                     "simple", "relaxed", "nonsense"]  # fmt: skip


@st.composite
def sign_options(draw: st.DrawFn) -> tuple[tuple[str, ...], str]:
    key, algo = draw(key_choice())
    args = ["-d", draw(st.sampled_from(DOMAINS)), "-s", draw(st.sampled_from(SELECTORS))]
    args += ["-k", f"{key}.pem", "-t", draw(st.sampled_from(TIMES))]
    if algo:
        args += ["-a", algo]
    if draw(st.booleans()):
        args += ["-c", draw(st.sampled_from(CANONICALIZATIONS))]
    if draw(st.integers(0, 3)) == 0:
        fields = draw(st.lists(st.sampled_from(SIGNED_HEADERS), min_size=1, max_size=4))
        args += ["-h", ":".join(fields)]
    if draw(st.integers(0, 4)) == 0:
        args += ["-l", str(draw(st.integers(0, 60)))]
    if draw(st.booleans()):
        args.append("-o")
    return tuple(args), key


def files(message: str, cache: dict | None = None) -> dict[str, bytes]:
    out = {"message.eml": message.encode(), **{f"{k}.pem": v.encode() for k, v in KEYS.items()}}
    if cache is not None:
        out["dns.json"] = dumps(cache)
    return out


@generator("mailauth", "sign")
def sign_cases() -> st.SearchStrategy[Case]:
    """DKIM signatures: keys, algorithms, canonicalizations, header lists, body lengths."""
    return st.tuples(messages(), sign_options(), st.integers(0, 5)).map(
        lambda p: Case(
            args=("sign", "message.eml", *p[1][0])
            if p[2]
            else ("sign", *p[1][0]),  # the message on stdin
            files=files(p[0]),
            stdin=b"" if p[2] else p[0].encode(),
        )
    )


def report_args(draw: st.DrawFn) -> list[str]:
    args = ["--mta", MTA, "--dns-cache", "dns.json"]
    if draw(st.integers(0, 2)) == 0:
        args += ["-i", draw(st.sampled_from(IPS))]
    if draw(st.integers(0, 3)) == 0:
        args += ["-f", draw(address())]
    if draw(st.integers(0, 3)) == 0:
        args += ["-e", draw(st.sampled_from(["mail.example.com", "[192.0.2.10]", "localhost"]))]
    if draw(st.integers(0, 5)) == 0:
        args += ["-x", str(draw(st.integers(1, 12)))]
    if draw(st.integers(0, 5)) == 0:
        args += ["-z", str(draw(st.integers(0, 3)))]
    if draw(st.integers(0, 4)) == 0:
        args.append("-v")
    return args


@st.composite
def report_cases_(draw: st.DrawFn) -> Case:
    message = draw(messages())
    cache = draw(dns_cache())
    if draw(st.booleans()):
        message = tamper(draw(st.sampled_from(SIGNED)), draw(st.sampled_from(TAMPERING)))
        cache.update(SIGNED_DNS)
    stdin = draw(st.integers(0, 5)) == 0
    args = ("report", *([] if stdin else ["message.eml"]), *report_args(draw))
    return Case(args=args, files=files(message, cache), stdin=message.encode() if stdin else b"")


TAMPERING = ["none", "none", "subject", "body", "header", "from", "whitespace"]


def tamper(message: str, how: str) -> str:
    """A signed message changed where its signatures cover it (or where they do not)."""
    head, _, body = message.partition("\r\n\r\n")
    if how == "subject":
        head = head.replace("Subject: ", "Subject: Re: ", 1)
    elif how == "body":
        body += "Appended line.\r\n"
    elif how == "header":
        head = "X-Added: after signing\r\n" + head
    elif how == "from":
        head = head.replace("From: <", "From: <other.", 1)
    elif how == "whitespace":
        head = head.replace("Subject: ", "Subject:   ", 1)
        body = body.replace("\r\n", " \r\n", 1)
    return f"{head}\r\n\r\n{body}"


@generator("mailauth", "report")
def report_cases() -> st.SearchStrategy[Case]:
    """SPF, DKIM, DMARC, ARC and BIMI results of a message against the DNS answers."""
    return report_cases_()


@st.composite
def spf_cases_(draw: st.DrawFn) -> Case:
    cache = draw(dns_cache())
    args = ["spf", "-f", draw(address()), "-i", draw(st.sampled_from(IPS)), "--mta", MTA]
    args += ["--dns-cache", "dns.json"]
    if draw(st.booleans()):
        args += ["-e", draw(st.sampled_from(["mail.example.com", "unknown", "example.org"]))]
    for flag in ("-o", "-v"):
        if draw(st.integers(0, 3)) == 0:
            args.append(flag)
    if draw(st.integers(0, 3)) == 0:
        args += ["-x", str(draw(st.integers(0, 12))), "-z", str(draw(st.integers(0, 3)))]
    return Case(args=tuple(args), files={"dns.json": dumps(cache)})


@generator("mailauth", "spf")
def spf_cases() -> st.SearchStrategy[Case]:
    """SPF checks of a sender and client address against generated records."""
    return spf_cases_()


@st.composite
def seal_cases_(draw: st.DrawFn) -> Case:
    message = draw(st.one_of(messages(), st.sampled_from(SIGNED)) if SIGNED else messages())
    cache = draw(dns_cache()) | SIGNED_DNS
    key, algo = draw(key_choice())
    args = ["seal", "message.eml", "-d", draw(st.sampled_from(DOMAINS))]
    args += ["-s", draw(st.sampled_from(SELECTORS)), "-k", f"{key}.pem"]
    args += ["-t", draw(st.sampled_from(TIMES)), *(["-a", algo] if algo else [])]
    if draw(st.integers(0, 3)) == 0:
        fields = draw(st.lists(st.sampled_from(SIGNED_HEADERS), min_size=1, max_size=4))
        args += ["-h", ":".join(fields)]
    if draw(st.booleans()):
        args.append("-o")
    return Case(args=(*args, *report_args(draw)), files=files(message, cache))


@generator("mailauth", "seal")
def seal_cases() -> st.SearchStrategy[Case]:
    """ARC sets added after authenticating the message."""
    return seal_cases_()


@generator("mailauth", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """Missing or bad options and files, unknown commands, help of the commands that show no
    host name, the version. (spf without -f or -i prints its usage, whose --mta default is the
    box's host name: not asked.)"""
    shapes = st.sampled_from([
        ("--version",), ("sign", "--help"), ("vmc", "--help"), ("license", "--help"),
        ("sign", "message.eml"), ("sign", "message.eml", "-d", "example.com"),
        ("sign", "message.eml", "-d", "example.com", "-s", "s1", "-k", "missing.pem", "-t", "1"),
        ("sign", "message.eml", "-d", "example.com", "-s", "s1", "-k", "message.eml", "-t", "1"),
        ("sign", "missing.eml", "-d", "example.com", "-s", "s1", "-k", "rsa1.pem", "-t", "1"),
        ("spf", "-f", "a@example.com", "-i", "not-an-ip", "--mta", MTA, "--dns-cache", "dns.json"),
        ("report", "message.eml", "--mta", MTA, "--dns-cache", "missing.json"),
        ("report", "message.eml", "--mta", MTA, "--dns-cache", "message.eml"),
        ("report", "missing.eml", "--mta", MTA, "--dns-cache", "dns.json"),
        ("message.eml", "--mta", MTA, "--dns-cache", "dns.json"), ("bogus",), ("license",),
        ("bodyhash", "message.eml"), ("vmc",), ("vmc", "-p", "message.eml", "-d", "example.com"),
    ])  # fmt: skip
    return st.tuples(messages(), dns_cache(), shapes).map(
        lambda p: Case(args=p[2], files=files(p[0], p[1]))
    )


# Messages signed once by the reference (mailauth sign, fixed --time) with the keys above, and
# the DNS answers that verify them: report and seal cases start from them, so signatures pass.
SIGNED: list[str] = [
    "\r\n".join(
        [
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;",
            " h=Message-ID: Date: Subject: To: From; q=dns/txt; s=fixa; t=1704103200;",
            " bh=DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI=;",
            " b=ma8guFfPmdu3jiYw4gP95yUf910FlJMPExpr0wR8VHLm7rjgrEP2FL1uyymoGK4C5VuwrEIqn",
            " Uw5qei9oEKrr0tPL2TRGdq1MFzKMwWJRkkKOTvWo74R+L3ZXwqYm2jBXh4U9r5i3OmxQXUV61r/",
            " AoizYB1rfGYvU9m8YXkwBQs=",
            "Return-Path: <alice@example.com>",
            "Received: from mail.example.com (mail.example.com [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Tx9",
            "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
            "From: <alice@example.com>",
            "To: Bob <bob@example.net>",
            "Subject: Signed",
            "Date: Mon, 1 Jan 2024 10:00:00 +0000",
            "Message-ID: <7@example.com>",
            "",
            "Hello Bob.",
            "",
        ]
    ),
    "\r\n".join(
        [
            "DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=example.org;",
            " h=Message-ID: Date: Subject: To: From; q=dns/txt; s=fixb; t=1704103200;",
            " bh=JtNdw8fyEOeA8p8aSlMwbleOFI4CK3TfS7UKL8OiPek=;",
            " b=asuqDK37tGn3/PWIKRcdNkAmON2a2TVfR5S5DF5G6IgyFG5o+q5iLi4BdQulp1l+fkSaQiQqQ",
            " nfOQh3us2B/d2tYpN1k0cZJwz9iBXlcOCXaF+M2bdwLz2s+7KmgGyy3ch7OwOjbt5SXqsjyGt26",
            " gwP/95hoZyonqUrswb/T2ooY7P2Fu1VW/sw8lhdCkNxZHRk139T1/vTSkQ091eh5+CP1jgnLWjM",
            " PVm/fVadUXzeDl8ccRGFDJAdLBKcb5/64oACJfanRbj5j6WpXLqa8OB6lI9qrlOrcnNdtTl/2HV",
            " Ej1f/y5zAU02zMvegoOZepfKlC+IkLXgfhJ8BW9j3GZQ==",
            "Return-Path: <bob@example.org>",
            "Received: from mail.example.com (mail.example.com [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Tx9",
            "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
            "From: <bob@example.org>",
            "To: Bob <bob@example.net>",
            "Subject: Simple",
            "Date: Mon, 1 Jan 2024 10:00:00 +0000",
            "Message-ID: <7@example.org>",
            "",
            "  spaces  ",
            "",
            "",
            "",
        ]
    ),
    "\r\n".join(
        [
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/simple;",
            " d=mail.example.com; h=Message-ID: Date: Subject: To: From; q=dns/txt;",
            " s=fixc; t=1704103200; bh=KtDCVRL6D4vHCyfCwfmumXWuDK/NBsWKrfdRR1VfyGA=;",
            " b=w33ii16luIGjldVtAp6BLRAxgQxKF3KIFjDM4+ck85svveFeOa4jcOcBekre3opvsM4ax7Tsw",
            " CBEaMqkTcZFAQ==",
            "Return-Path: <noreply@mail.example.com>",
            "Received: from mail.example.com (mail.example.com [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Tx9",
            "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
            "From: <noreply@mail.example.com>",
            "To: Bob <bob@example.net>",
            "Subject: Ed",
            "Date: Mon, 1 Jan 2024 10:00:00 +0000",
            "Message-ID: <7@mail.example.com>",
            "",
            "tab\there",
            "",
        ]
    ),
    "\r\n".join(
        [
            "DKIM-Signature: v=1; a=rsa-sha256; c=simple/relaxed; d=example.com;",
            " h=Message-ID: Date: Subject: To: From; q=dns/txt; s=fixa; t=1704103200;",
            " bh=UrA8rmgY3eNBotmDWtzAmHyn5RyZv8Gea45sNGsP0zw=;",
            " b=eqNnkCIRRXEl9uHSTHp90XyDrFLx9IvfXeI01zBGoS2ZDa58wUnAM2HQ7XlQUT+496SHVzXUT",
            " P3kL1kTArK8MKM9YtARWgt4KTZKmUFFIfmLKgQH//wOOsH+6x13M3uQvnMMtRoxT62xcAf2IKb2",
            " ruSx6WWCFeoBx8y/vrFOPRc=",
            "Return-Path: <alice@news.example.org>",
            "Received: from mail.example.com (mail.example.com [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Tx9",
            "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
            "From: <alice@news.example.org>",
            "To: Bob <bob@example.net>",
            "Subject: Third party",
            "Date: Mon, 1 Jan 2024 10:00:00 +0000",
            "Message-ID: <7@news.example.org>",
            "",
            "Hi.",
            "",
        ]
    ),
    "\r\n".join(
        [
            "ARC-Seal: i=1; a=rsa-sha256; t=1704103200; cv=none; d=example.net; s=arc1;",
            " b=mwAAuVH2VSbHBQ9OkvM44MmyDANbiFAXj7jYoS/g+RPOwL6q85iZM6OeEFSJ1yDg8Y5AfEt4i",
            " abT1CwX3ClP00h0g6ZhyXtj0vhabfB7CWf2s6Dwj3DhUZHpDO8iruvH4mbmFGOVivc3JshST5CL",
            " fhrkEPZinpR5w9at13vyVWpS/EX3AnMDPpxz2qjRrUWyCPd+ba8xakMLrtT15/s8FdUBK+DEowV",
            " yLuCRboKAnRHUB1rpBYkxKFUMD0uZ3Mj3k9ORYZOOTYSlTlOM5+2KeMHp+/WnR7KGJsaF746ujc",
            " kovZqKfz2HEYgNUHGTVssK8e8Y/Ukons7HQ4yrD9t/2A==",
            "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net;",
            " h=Message-ID: Date: Subject: To: From; q=dns/txt; s=arc1; t=1704103200;",
            " bh=DL7j7H6WRA1enVR7wYXGA3io7ZztDX02xsNkZDHjCcM=;",
            " b=HMuIfQpAK0y13+X6LUMjnpx0jCuEl0OTY3Hsd3GOmiJE46gSfSkXcUshVRhSZvZDVLIfDFZ5/",
            " B+VEk42bOYJpnFDuv+o6Ny1WDI6oTci1BwKtHDbcwH1hbodN94FXzFpj7E11cqrpCq/YtrHl3sV",
            " a2pV0ySayshSMQepGrC3joSHEdNzDetQyTe40C57/RtgvH3jOHpoyOxIY31cj74LjzhqF4FfJNr",
            " a4ouTPWVuJwfkmtPsADOQxHw4mOywg37zKBN738YMHTCUXrap+N9GJh6blumW1MC8OFvw5jKh7F",
            " 55zeIOu2huda42Ls1Snds11leqZ4lL1o7O8bNLf1r1Pw==",
            "ARC-Authentication-Results: i=1; mx.example.net;",
            " dkim=none (message not signed);",
            " spf=none (mx.example.net: example.com does not designate permitted sender hosts"
            ') smtp.mailfrom=alice@example.com smtp.helo="[192.0.2.10]";',
            " dmarc=none header.from=example.com;",
            " bimi=skipped (DMARC not enabled)",
            "Received-SPF: none (mx.example.net: example.com does not designate permitted sen"
            "der hosts) client-ip=192.0.2.10;",
            "Authentication-Results: mx.example.net;",
            " dkim=none (message not signed);",
            " spf=none (mx.example.net: example.com does not designate permitted sender hosts"
            ') smtp.mailfrom=alice@example.com smtp.helo="[192.0.2.10]";',
            " dmarc=none header.from=example.com;",
            " bimi=skipped (DMARC not enabled)",
            "Return-Path: <alice@example.com>",
            "Received: from mail.example.com (mail.example.com [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Tx9",
            "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
            "From: <alice@example.com>",
            "To: Bob <bob@example.net>",
            "Subject: Sealed",
            "Date: Mon, 1 Jan 2024 10:00:00 +0000",
            "Message-ID: <7@example.com>",
            "",
            "Forwarded.",
            "",
        ]
    ),
    "\r\n".join(
        [
            "ARC-Seal: i=2; a=rsa-sha256; t=1704106800; cv=pass; d=example.com; s=fixa;",
            " b=tBn7SieVLaTqR9sTZi4ZErbXuB3ifSr1Mq1IjC5cr5pnKHOlPXmaTn1OcXxJHgs9w89VVn+/0",
            " QlTzqaC7vjomhBOKyWLOB7OfwbAJTfD2iPHdjszqpOJl4aE02SVnHtvOUufGkZwP0j2t5uJJRbF",
            " ljNxfEU1urk7jhdVqtHXhUk=",
            "ARC-Message-Signature: i=2; a=rsa-sha256; c=relaxed/relaxed; d=example.com;",
            " h=Message-ID: Date: Subject: To: From; q=dns/txt; s=fixa; t=1704106800;",
            " bh=DL7j7H6WRA1enVR7wYXGA3io7ZztDX02xsNkZDHjCcM=;",
            " b=ts4u1ka3mFUqZVNlWA9rIth/RA5KguVNJG21ttH3F39wt7nRGfyMn8Ybz3SFxzF+3hi7vEpd5",
            " Jj1lQsb+O904GrxPHfKEHxg6Wa4ayX3y9uO9r+TgnANH5I66Zp7D2wvLfKD9eBvldz+0f9asPTQ",
            " gUgvcR5ciBt4YPRC6l/biuQ=",
            "ARC-Authentication-Results: i=2; relay.example.com;",
            " dkim=none (message not signed);",
            " spf=none (relay.example.com: example.org does not designate permitted sender ho"
            'sts) smtp.mailfrom=bob@example.org smtp.helo="[198.51.100.7]";',
            " arc=pass (i=1 spf=none dkim=none dmarc=none fromdomain=example.org);",
            " dmarc=none header.from=example.org;",
            " bimi=skipped (DMARC not enabled)",
            "Received-SPF: none (relay.example.com: example.org does not designate permitted "
            "sender hosts) client-ip=198.51.100.7;",
            "Authentication-Results: relay.example.com;",
            " dkim=none (message not signed);",
            " spf=none (relay.example.com: example.org does not designate permitted sender ho"
            'sts) smtp.mailfrom=bob@example.org smtp.helo="[198.51.100.7]";',
            " arc=pass (i=1 spf=none dkim=none dmarc=none fromdomain=example.org);",
            " dmarc=none header.from=example.org;",
            " bimi=skipped (DMARC not enabled)",
            "ARC-Seal: i=1; a=rsa-sha256; t=1704103200; cv=none; d=example.net; s=arc1;",
            " b=Br4qqN8cjxIl1uTUQKEJFvT8peXVb+pRZWl6efTZDH9zCzIeb4LRJR8RPRBxFRTnWu/w37Qxk",
            " SzTd3CccRTMLszQ3MViCnpwZlnwgOhShA4Y1cPhjG33HS0VLZsbP40X5Q+tlVAQ7XQFX/SU06v4",
            " nKX+xR9EnzZ/ZiU7ydPRJxc37pPTBuC5zujEKUir/VptWZVVehGS38/fGQglRGEBO8sA9KAan5+",
            " Kwv00K7dzUtCAoif1bsT3KeafARJyfxNBVCbmzl1WoFIYU3ZojHYOjS2HEnoMsGgMZS+Jjtp9BA",
            " hCsqpyrwj8hzvpAeNdstwDYnbhv+L6WmFV/LoXLIpixw==",
            "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net;",
            " h=Message-ID: Date: Subject: To: From; q=dns/txt; s=arc1; t=1704103200;",
            " bh=DL7j7H6WRA1enVR7wYXGA3io7ZztDX02xsNkZDHjCcM=;",
            " b=hPCjjJqnsYVj3E5nW4rwNQ9iRvQCdzgMRD2D1nt408EavCgUya6Lgdap8xFRnKYrcN4pxEMYa",
            " 93iRknZhebvqhN+VfatEfNhfcMqufRRqsVloQegi1u4wApOcDvpcc8M61wVOUjsGGE+SBz2ZB7R",
            " JD6M75reCgl4IXab1h/y5uyhZ8ajlRBT88g94pY+Lg9eAqk94GpxfvBQsFCSlWzKp5DcIvMQz+5",
            " LgFA/D61r2Cw1zqxL8x5DbzbQtKjjAcftPuqNkjtpfnRGqLDEeT2gvCy3UAjAzFZw50imtIX/Ks",
            " Db140rQhZEIEbMYoPF9JdmErq1TbsWoWlcaZifNvjbGQ==",
            "ARC-Authentication-Results: i=1; mx.example.net;",
            " dkim=none (message not signed);",
            " spf=none (mx.example.net: example.org does not designate permitted sender hosts"
            ') smtp.mailfrom=bob@example.org smtp.helo="[192.0.2.10]";',
            " dmarc=none header.from=example.org;",
            " bimi=skipped (DMARC not enabled)",
            "Received-SPF: none (mx.example.net: example.org does not designate permitted sen"
            "der hosts) client-ip=192.0.2.10;",
            "Authentication-Results: mx.example.net;",
            " dkim=none (message not signed);",
            " spf=none (mx.example.net: example.org does not designate permitted sender hosts"
            ') smtp.mailfrom=bob@example.org smtp.helo="[192.0.2.10]";',
            " dmarc=none header.from=example.org;",
            " bimi=skipped (DMARC not enabled)",
            "Return-Path: <bob@example.org>",
            "Received: from mail.example.com (mail.example.com [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Tx9",
            "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
            "From: <bob@example.org>",
            "To: Bob <bob@example.net>",
            "Subject: Sealed twice",
            "Date: Mon, 1 Jan 2024 10:00:00 +0000",
            "Message-ID: <7@example.org>",
            "X-List: yes",
            "",
            "Forwarded.",
            "",
        ]
    ),
]
# The keys the SIGNED messages were signed with, published where their signatures point.
SIGNED_DNS: dict = {
    name: {"TXT": [[f"v=DKIM1; k={kind}; p={PUBLIC[key]}"]]}
    for name, kind, key in [
        ("fixa._domainkey.example.com", "rsa", "rsa1"),
        ("fixb._domainkey.example.org", "rsa", "rsa2"),
        ("fixc._domainkey.mail.example.com", "ed25519", "ed"),
        ("arc1._domainkey.example.net", "rsa", "rsa2"),
    ]
}
