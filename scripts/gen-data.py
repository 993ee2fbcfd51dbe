#!/usr/bin/env python3
"""Generate a deterministic consent file in Netmera's İYS upload format, for benchmarks.

    python3 scripts/gen-data.py --rows N --channel email|sms --dup-ratio 0.3 \
        --invalid-ratio 0.02 --seed 1 OUT

Rows are `recipient;platform;ONAY|RET;dd.MM.yyyy HH:mm:ss[;external_id]` (no header), with
timestamps between 01.01.2016 and 31.12.2025 (Istanbul local time; the hour skipped by the last
daylight-saving change, 27.03.2016 03:xx, is never produced).

* Keys: each row repeats a uniformly chosen earlier key with probability --dup-ratio, otherwise it
  takes a new one, so about that fraction of rows are duplicates of an earlier key.
* SMS recipients are canonical Turkish mobiles `905xxxxxxxxx` with prefixes 530-559 (all mobile in
  libphonenumber's metadata); about 10% of rows write them in another accepted form
  (`0532 123 45 67`, `+90 532 123 45 67`, `(0532) 123-45-67`, `532 123 45 67`).
* Email recipients are lower-case ASCII `name.surname123@domain.tld`; about 5% of rows have
  upper-case letters or whitespace around the address.
* About --invalid-ratio of rows are invalid: a bad recipient, the permission `RED`, a 31.02 date,
  or too few fields (in rotation, chosen at random).

Python 3 standard library only; the same arguments always give the same bytes. OUT `-` is stdout.
"""

import argparse
import datetime
import random
import sys

FIRST = (
    "ahmet mehmet mustafa ali huseyin hasan ibrahim ismail osman yusuf murat omer ramazan halil "
    "suleyman abdullah mahmut recep fatih kadir emre burak serkan cem deniz can baris onur tolga "
    "ayse fatma emine hatice zeynep elif meryem sultan hanife zehra merve ozlem esra busra seda "
    "gizem ebru derya pinar tugba selin ece irem asli buse"
).split()
LAST = (
    "yilmaz kaya demir sahin celik yildiz yildirim ozturk aydin ozdemir arslan dogan kilic aslan "
    "cetin kara koc kurt ozkan simsek polat ozcan korkmaz cakir erdogan yavuz can acar sen aktas "
    "guler yalcin gunes bozkurt bulut keskin unal turan gul ozer isik kaplan avci sari tekin tas "
    "kose yuksel ates aksoy"
).split()
DOMAINS = (
    "gmail.com hotmail.com yahoo.com outlook.com icloud.com yandex.com hotmail.com.tr "
    "mynet.com superonline.net ttmail.com example.com.tr firma.com.tr okul.edu.tr posta.net"
).split()
EMAIL_PLATFORMS = ("EMAIL", "EMAIL", "web", "mobileapp", "form")
SMS_PLATFORMS = ("SMS", "SMS", "mobileapp", "web", "form")

START = datetime.date(2016, 1, 1)
END = datetime.date(2025, 12, 31)
DST_GAP_DAY = datetime.date(2016, 3, 27)  # 03:00 → 04:00 in Europe/Istanbul

# SMS key space: prefixes 530..559, 7 more digits.
SMS_SPACE = 30 * 10_000_000
SMS_MULT = 2_654_435_761  # coprime with SMS_SPACE (= 2^8·3·5^8): a bijection that looks random


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, required=True, help="number of rows to write")
    p.add_argument("--channel", choices=("email", "sms"), default="email")
    p.add_argument("--dup-ratio", type=float, default=0.1,
                   help="fraction of rows that repeat an earlier key (default 0.1)")
    p.add_argument("--invalid-ratio", type=float, default=0.02,
                   help="fraction of invalid rows (default 0.02)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("out", metavar="OUT", help="output file, or - for stdout")
    a = p.parse_args()
    if a.rows < 0:
        p.error("--rows must be >= 0")
    for name in ("dup_ratio", "invalid_ratio"):
        v = getattr(a, name)
        if not 0.0 <= v < 1.0:
            p.error(f"--{name.replace('_', '-')} must be in [0, 1)")
    return a


def sms_key(k):
    n = (k * SMS_MULT + 12_345_677) % SMS_SPACE
    return "905%02d%07d" % (30 + n // 10_000_000, n % 10_000_000)


def sms_variant(r, which):
    # r = "905321234567": national "5321234567"
    a, b, c, d = r[2:5], r[5:8], r[8:10], r[10:12]
    if which == 0:
        return f"0{a} {b} {c} {d}"
    if which == 1:
        return f"+90 {a} {b} {c} {d}"
    if which == 2:
        return f"(0{a}) {b}-{c}-{d}"
    return f"{a} {b} {c} {d}"


def email_key(k):
    nf, nl = len(FIRST), len(LAST)
    first = FIRST[k % nf]
    last = LAST[(k // nf) % nl]
    num = k // (nf * nl)
    dom = DOMAINS[(k * 7919) % len(DOMAINS)]
    return f"{first}.{last}{num}@{dom}"


def email_variant(r, which):
    if which == 0:
        local, dom = r.split("@")
        return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + dom.upper()
    if which == 1:
        return r.upper()
    if which == 2:
        return f" {r} "
    return f"  {r}"


def bad_recipient(r, channel, which):
    if channel == "email":
        local, dom = r.split("@")
        return (
            f"{local}@{dom.split('.')[0]}",     # no dotted domain
            f"{local}@@{dom}",                  # two @
            f"{local}.@{dom}",                  # dot at the end of the local part
            f"{local}ş@{dom}",                  # non-ASCII letter
        )[which]
    return (
        "90212" + r[5:],                        # Istanbul landline: not_mobile
        "0" + r[2:5] + " ABC " + r[8:],         # letters
        r[:9],                                  # too short
        "90" + "512" + r[5:],                   # pager: not_mobile
    )[which]


def main():
    a = parse_args()
    rng = random.Random(a.seed)
    rnd = rng.random
    randrange = rng.randrange

    ndays = (END - START).days + 1
    dates = []
    gap_index = (DST_GAP_DAY - START).days
    for i in range(ndays):
        d = START + datetime.timedelta(days=i)
        dates.append(f"{d.day:02d}.{d.month:02d}.{d.year:04d} ")
    hhmm = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
    secs = [f"{s:02d}" for s in range(60)]
    feb31 = {y: f"31.02.{y} " for y in range(2016, 2026)}

    sms = a.channel == "sms"
    keyfn = sms_key if sms else email_key
    variant = sms_variant if sms else email_variant
    variant_p = 0.10 if sms else 0.05
    platforms = SMS_PLATFORMS if sms else EMAIL_PLATFORMS
    dup, inv = a.dup_ratio, a.invalid_ratio

    out = sys.stdout.buffer if a.out == "-" else open(a.out, "wb", buffering=1 << 20)
    batch = []
    keys = 0
    try:
        for _ in range(a.rows):
            if keys and rnd() < dup:
                k = randrange(keys)
            else:
                k = keys
                keys += 1
            recipient = keyfn(k)
            day = randrange(ndays)
            minute = randrange(1440)
            if day == gap_index and 180 <= minute < 240:
                minute += 60
            ts = dates[day] + hhmm[minute] + secs[randrange(60)]
            perm = "RET" if rnd() < 0.3 else "ONAY"
            platform = platforms[k % len(platforms)]
            ext = f";user{k}" if k % 2 == 0 else ""

            if inv and rnd() < inv:
                which = randrange(4)
                if which == 0:
                    recipient = bad_recipient(recipient, a.channel, randrange(4))
                elif which == 1:
                    perm = "RED"
                elif which == 2:
                    ts = feb31[2016 + day * 10 // ndays] + hhmm[minute] + secs[0]
                else:
                    batch.append(f"{recipient};{platform};{perm}")
                    continue
            elif rnd() < variant_p:
                recipient = variant(recipient, randrange(4))
            batch.append(f"{recipient};{platform};{perm};{ts}{ext}")
            if len(batch) >= 65536:
                batch.append("")
                out.write("\n".join(batch).encode())
                batch.clear()
        if batch:
            batch.append("")
            out.write("\n".join(batch).encode())
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
