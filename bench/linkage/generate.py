#!/usr/bin/env python3
"""Synthetic Thai person records from several agency lists, with the truth.

A Nan-like province of N persons (`--persons`) lives in villages with 8-digit DOPA codes
`55DDSSVV` (the real district prefixes 5501–5515, made-up subdistricts and villages), in
households that share a surname, a house number and often a phone. Each person has a first name
from a generation- and sex-specific pool (Zipf-like: common names common, a long tail of rare
ones), a surname of their family line (married women also a maiden surname), a sex, a birth date
(some elders know only the year), a valid 13-digit national ID (mod-11 check digit) — or none for
the stateless (mostly hill-tribe villages, ≈3 %) — a phone for some, and a house number.

Four agency lists then hold ≈1.5 records per person, each with its own columns and habits:

- `survey.csv`        the volunteers' household survey (Thai headers): the title glued to the
                      first name, birth year only (Buddhist era) or a BE date, no ID for many,
                      Thai digits, more spelling slips, some persons surveyed twice;
- `elderly_allowance.csv`  persons 60+ (English headers): a title column, ISO or BE dates,
                      `00/00/2490` for an unknown day, maiden surnames not updated;
- `disability.csv`    (Thai headers): IDs with dashes, dates with Thai month names;
- `welfare_card.csv`  adults (English headers): ISO dates, sex as 1/2.

Slips, at each list's own rates: one ID digit changed, two adjacent digits swapped, a tone mark
dropped or added, similar letters swapped (ศ/ส, ณ/น, ธ/ท, ร/ล…), a vowel length changed, a letter
dropped or doubled, a silent letter (์) dropped, day and month swapped, the birth year off by
one, a married woman under her maiden surname, a mover at her old village and house.

Outputs (in `--out`, default `bench/linkage/data/p{N}`): the four lists; `all.csv` with the
common columns `record_id,source,national_id,prefix,first_name,last_name,sex,birth_date,
village_code,house_number,phone`, values as each list wrote them (no cleaning); `truth.csv`
(`record_id,person_id`) and `truth_detail.csv` (`record_id,person_id,household_id,slips`) for
error analysis.

    python3 bench/linkage/generate.py --persons 100000 --seed 1

Deterministic for a given `--persons` and `--seed`. Plain Python (random.Random, csv).
"""
import argparse
import bisect
import csv
import itertools
import os
import random
import sys
import time

YEAR = 2026  # the "today" of the lists (Gregorian)
BE = 543

# ---------------------------------------------------------------------------------------------
# Names

# First-name parts by generation and sex: a name is two parts, sometimes three.
FIRST_PARTS = {
    ("M", "old"): (
        ["บุญ", "คำ", "แก้ว", "อิน", "จันทร์", "สม", "ทอง", "ศรี", "แสง", "ปัน", "มา", "ผัด",
         "หล้า", "เป็ง", "ดวง", "สุข", "มูล", "ยศ", "แสน", "เงิน", "ธรรม", "วัง", "ไชย", "หน่อ"],
        ["มา", "ปัน", "คำ", "แก้ว", "ตา", "เป็ง", "ยศ", "ชัย", "ลือ", "มูล", "ดี", "หล้า", "สุข",
         "เรือน", "ศรี", "ทอง", "จันทร์", "วงศ์", "ติ๊บ", "เสาร์", "อ้าย", "นวล", "ผาย", "เมือง"],
    ),
    ("F", "old"): (
        ["บัว", "คำ", "แก้ว", "ศรี", "จันทร์", "บุญ", "สม", "ทอง", "แสง", "ดวง", "นวล", "เขียว",
         "ปวน", "หอม", "ฟอง", "เอื้อง", "ตอง", "อ่อน", "เรือน", "จัน", "ผิว", "เพ็ง", "ปิ่น", "ลำ"],
        ["คำ", "ผัด", "ตอง", "นวล", "แก้ว", "ศรี", "ดี", "หล้า", "จันทร์", "เรียว", "ลา", "ปวน",
         "เขียว", "มูล", "หอม", "ฟอง", "แสง", "ใจ", "ตา", "สาย", "เงิน", "พิมพ์", "ไหล", "อ่อน"],
    ),
    ("M", "mid"): (
        ["สม", "ประ", "วิ", "สุ", "ชัย", "อนุ", "ธีร", "พง", "ศักดิ์", "สมบัติ", "วีร", "เกียรติ",
         "สุร", "ณรง", "อภิ", "กิตติ", "นิ", "จักร", "ไพ", "บุญ", "เฉลิม", "ทวี", "ชาญ", "อุดม"],
        ["ชาย", "ศักดิ์", "พงษ์", "ชัย", "วัฒน์", "พล", "ศร", "เดช", "สิทธิ์", "ยุทธ", "รัตน์",
         "นันท์", "ภพ", "กร", "ศิลป์", "ธร", "วุฒิ", "โชค", "ยศ", "ฤทธิ์", "เกียรติ", "ชาติ",
         "ธรรม", "ศิริ"],
    ),
    ("F", "mid"): (
        ["สม", "สุ", "วิ", "อร", "จันทร์", "รัตน", "พร", "ศรี", "กาญจน", "นิ", "ประ", "มณี",
         "ลำ", "บุษ", "อำ", "ยุ", "ดารา", "ปิ", "ทิพ", "เพ็ญ", "อุไร", "วัน", "สาย", "เยาว"],
        ["ศรี", "ดา", "ไพ", "พร", "รัตน์", "วรรณ", "ลักษณ์", "จิตร", "ทิพย์", "ณี", "นา", "พา",
         "ภรณ์", "ใจ", "มาลย์", "สุดา", "วดี", "นภา", "ศิริ", "ลี", "เพ็ญ", "จันทร์", "พิมพ์",
         "รี"],
    ),
    ("M", "young"): (
        ["ณัฐ", "ธน", "ภู", "กิตติ", "ปิ", "ธี", "พีร", "ศุภ", "ชยา", "อชิ", "จิรา", "ภาณุ",
         "วรา", "ธนา", "กฤษ", "นน", "ชิ", "ศิว", "ปุณ", "ธนกฤต", "ภูริ", "ปภ", "รัชช", "เตชิน"],
        ["พล", "วุฒิ", "กร", "ภัทร", "พงศ์", "วัฒน์", "ดนัย", "ณัฐ", "ชัย", "ธร", "ภูมิ",
         "เดช", "ทร", "ศักดิ์", "วิชญ์", "นันท์", "ยศ", "พัฒน์", "กฤต", "ภัค", "วิน", "ธาดา",
         "นนท์", "คุณ"],
    ),
    ("F", "young"): (
        ["ณัฐ", "กัญ", "ปุณ", "ศุภ", "พิม", "ธัญ", "อริ", "ชนิ", "ปิย", "ภัทร", "วรร", "จิร",
         "นภ", "สุภ", "กมล", "พิชญ", "ญา", "อัญ", "ชลิ", "ณิ", "ปาณ", "เบญ", "ธิ", "กวิ"],
        ["ธิดา", "ชา", "ญา", "ลดา", "นันท์", "พร", "รดา", "วดี", "ทิพย์", "มน", "สรณ์", "ภา",
         "กานต์", "ดา", "ญาณ์", "ณิชา", "ริน", "ชนก", "รัตน์", "สินี", "จิรา", "มาศ", "ปภา",
         "วรรณ"],
    ),
}

# Surname parts: a surname is two or three of them (อินต๊ะ, กันทะวงศ์, ปัญญาวงศ์, ใจมา…).
SURNAME_PARTS = [
    "อินทร์", "แก้ว", "คำ", "ปัญญา", "ใจ", "ดี", "วงศ์", "ศรี", "สุข", "จันทร์", "ทอง", "บุญ",
    "มา", "กันทะ", "ไชย", "ยา", "วงค์", "สาร", "เรือง", "ธรรม", "ชัย", "ยศ", "ราช", "มูล", "ปิน",
    "ตา", "วัง", "สม", "ทิพย์", "ประเสริฐ", "ศักดิ์", "กุล", "พันธ์", "สกุล", "รักษ์", "วิเศษ",
    "เมือง", "นาค", "ทา", "ฟู", "ต๊ะ", "ปัน", "เป็ง", "หล้า", "อุด", "ลือ", "แสง", "เงิน", "คง",
    "พรหม", "สุวรรณ", "ภักดี", "นันทะ", "เทพ", "หมื่น", "แสน", "ขัติ", "ยะ", "อ้าย", "จิตต์",
    "มณี", "รัตน์", "ฤทธิ์", "เดช", "พงษ์", "สิงห์", "ณ", "ธิ", "วิไล", "ศิริ",
]
# Hmong clan names as Thai surnames: few clans, so many people of a hill village share one.
CLANS = ["แซ่ย่าง", "แซ่ลี", "แซ่ว่าง", "แซ่ท่อ", "แซ่เฮ่อ", "แซ่โซ้ง", "แซ่ม้า", "แซ่หาง",
         "แซ่จ๋าง", "แซ่ลือ", "แซ่กือ", "แซ่เถา"]

DISTRICTS = {  # district → subdistricts (Nan has 15 districts and 99 subdistricts)
    "01": 11, "02": 5, "03": 4, "04": 7, "05": 7, "06": 7, "07": 6, "08": 12, "09": 7,
    "10": 5, "11": 5, "12": 4, "13": 3, "14": 4, "15": 2,
}

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
TH_MONTHS = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
             "ต.ค.", "พ.ย.", "ธ.ค."]
TONES = "่้๊๋"
CONSONANTS = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮณฐฑฒฎฏษฬฆฌ"
SWAPS = [("ศ", "ส"), ("ส", "ศ"), ("ษ", "ส"), ("ณ", "น"), ("น", "ณ"), ("ธ", "ท"), ("ท", "ธ"),
         ("ภ", "พ"), ("พ", "ภ"), ("ญ", "ย"), ("ร", "ล"), ("ล", "ร"), ("ใ", "ไ"), ("ไ", "ใ"),
         ("ฐ", "ถ"), ("ข", "ค"), ("ค", "ข"), ("ต", "ฏ"), ("ช", "ซ")]
VOWEL_LENGTH = [("ิ", "ี"), ("ี", "ิ"), ("ุ", "ู"), ("ู", "ุ"), ("ึ", "ื"), ("ื", "ึ")]


class Zipf:
    """Weighted choice with Zipf-like weights 1/(rank+offset)^s over `items` (in given order)."""

    def __init__(self, items, s, offset=1.0):
        self.items = items
        acc, cw = 0.0, []
        for r in range(len(items)):
            acc += 1.0 / (r + offset) ** s
            cw.append(acc)
        self.cw, self.total = cw, acc

    def draw(self, rng):
        return self.items[bisect.bisect_left(self.cw, rng.random() * self.total)]


def name_pool(rng, first, second, n3, s):
    """Every two-part name (shuffled) then `n3` three-part ones, with Zipf weights by rank."""
    two = sorted({a + b for a in first for b in second if a != b})
    rng.shuffle(two)
    seen, three = set(two), []
    parts = first + second
    for _ in range(n3 * 10):
        if len(three) >= n3:
            break
        x = rng.choice(first) + rng.choice(parts) + rng.choice(second)
        if x not in seen:
            seen.add(x)
            three.append(x)
    # Two-part names are the common ones, three-part names the long tail.
    return Zipf(two + three, s, offset=8.0)


def national_id(rng, first_digit, district, used):
    while True:
        body = f"{first_digit}55{district}" + "".join(rng.choice("0123456789") for _ in range(7))
        check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(body)) % 11) % 10
        nid = body + str(check)
        if nid not in used:
            used.add(nid)
            return nid


# ---------------------------------------------------------------------------------------------
# The population

class Person:
    __slots__ = ("pid", "hh", "sex", "first", "last", "maiden", "married", "y", "m", "d",
                 "year_only", "nid", "phone", "village", "house", "prev_village", "prev_house",
                 "household_phone")


def age_of(p):
    return YEAR - p.y


def build_population(n_persons, rng):
    gen_pool = {}
    for (sex, gen), (a, b) in FIRST_PARTS.items():
        gen_pool[(sex, gen)] = name_pool(rng, a, b, 3000, 0.95)
    # Surnames of the province: a big pool (two or three parts), flatter Zipf.
    n_surnames = max(5000, n_persons // 5)
    two = sorted({a + b for a in SURNAME_PARTS for b in SURNAME_PARTS if a != b and a != "ณ"})
    rng.shuffle(two)
    seen, three = set(two), []
    while len(two) + len(three) < n_surnames:
        a, b, c = rng.sample(SURNAME_PARTS, 3)
        if a != "ณ" and a + b + c not in seen:
            seen.add(a + b + c)
            three.append(a + b + c)
    # Two-part surnames the common ones, three-part ones the long tail.
    surnames = Zipf(two + three, 0.75, offset=20.0)

    # Villages: ≈550 persons each, spread over the subdistricts.
    subdistricts = [d + f"{s:02d}" for d, k in DISTRICTS.items() for s in range(1, k + 1)]
    n_villages = max(len(subdistricts), round(n_persons / 550))
    villages = []
    per_sub = [n_villages // len(subdistricts)] * len(subdistricts)
    for i in rng.sample(range(len(subdistricts)), n_villages % len(subdistricts)):
        per_sub[i] += 1
    for sub, k in zip(subdistricts, per_sub):
        for v in range(1, k + 1):
            villages.append("55" + sub + f"{v:02d}")
    hill = set(rng.sample(villages, max(1, round(len(villages) * 0.05))))

    used_ids, used_phones = set(), set()

    def phone():
        while True:
            p = "0" + rng.choice("689") + "".join(rng.choice("0123456789") for _ in range(8))
            if p not in used_phones:
                used_phones.add(p)
                return p

    def birth(age):
        y = YEAR - age
        m = rng.randint(1, 12)
        d = rng.randint(1, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31)
        return y, m, d

    def gen_of(y):
        g = "old" if y < 1965 else "mid" if y < 1995 else "young"
        if rng.random() < 0.15:  # names cross generations
            g = rng.choice(["old", "mid", "young"])
        return g

    persons = []
    households = 0
    per_village = n_persons / len(villages)
    for vi, village in enumerate(villages):
        target = round(per_village * (vi + 1)) - round(per_village * vi)
        is_hill = village in hill
        # Family lines of the village: a few big ones, many small.
        n_lines = max(5, int(target * 0.12))
        lines = Zipf([CLANS[rng.randrange(len(CLANS))] if is_hill and rng.random() < 0.7
                      else surnames.draw(rng) for _ in range(n_lines)], 1.0, offset=2.0)
        house_no = 0
        made = 0
        while made < target:
            households += 1
            house_no += rng.randint(1, 3)
            house = str(house_no) if rng.random() < 0.85 else f"{house_no}/{rng.randint(1, 9)}"
            stateless = is_hill and rng.random() < 0.6 or (not is_hill and rng.random() < 0.002)
            surname = lines.draw(rng)
            t = rng.random()
            ages = []  # (age, role) role: head / spouse / child / elder / elder_spouse
            if t < 0.10:
                ages = [(rng.randint(60, 95), "single")]
            elif t < 0.22:
                a = rng.randint(60, 90)
                ages = [(a, "head"), (max(55, a + rng.randint(-8, 3)), "spouse")]
            elif t < 0.34:
                a = rng.randint(58, 88)
                ages = [(a, "head")]
                if rng.random() < 0.7:
                    ages.append((max(52, a + rng.randint(-8, 3)), "spouse"))
                ages += [(rng.randint(0, 17), "child") for _ in range(rng.randint(1, 3))]
            elif t < 0.74:
                a = rng.randint(24, 59)
                ages = [(a, "head"), (max(19, a + rng.randint(-8, 3)), "spouse")]
                ages += [(rng.randint(0, max(0, min(30, a - 19))), "child")
                         for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))]
            elif t < 0.92:
                a = rng.randint(60, 92)
                ages = [(a, "elder")]
                if rng.random() < 0.5:
                    ages.append((max(55, a + rng.randint(-8, 3)), "elder_spouse"))
                c = rng.randint(max(20, a - 40), a - 18)
                ages += [(c, "head"), (max(19, c + rng.randint(-8, 3)), "spouse")]
                ages += [(rng.randint(0, max(0, min(25, c - 19))), "child")
                         for _ in range(rng.randint(0, 3))]
            else:
                ages = [(rng.randint(18, 59), "single")]
            hh_phone = None
            members = []
            for age, role in ages:
                p = Person()
                p.pid = len(persons)
                p.hh = households
                if role in ("head", "elder"):
                    p.sex = "M" if rng.random() < 0.85 else "F"
                elif role in ("spouse", "elder_spouse"):
                    p.sex = "F" if rng.random() < 0.97 else "M"
                else:
                    p.sex = rng.choice("MF") if role == "child" else (
                        "F" if rng.random() < (0.62 if age >= 60 else 0.45) else "M")
                p.y, p.m, p.d = birth(age)
                # Elders often know only their birth year.
                p.year_only = p.y < 1955 and rng.random() < 0.35
                g = gen_of(p.y)
                p.first = gen_pool[(p.sex, g)].draw(rng)
                p.married = role in ("spouse", "elder_spouse") and p.sex == "F"
                p.last = surname
                p.maiden = None
                if p.married and rng.random() < 0.9:
                    # Took the husband's name (most); her maiden name from another line.
                    m = lines.draw(rng) if rng.random() < 0.5 else surnames.draw(rng)
                    if m != surname:
                        p.maiden = m
                if role == "child" and rng.random() < 0.1:
                    p.last = surnames.draw(rng)  # a grandchild of another line
                if stateless:
                    p.nid = None
                else:
                    first_digit = "1" if p.y >= 1984 else ("3" if rng.random() < 0.97 else "5")
                    dist = village[2:4] if rng.random() < 0.85 else rng.choice(list(DISTRICTS))
                    p.nid = national_id(rng, first_digit, dist, used_ids)
                own = (0.7 if 18 <= age < 60 else 0.45 if 60 <= age < 76 else 0.15 if age >= 76
                       else 0.2 if age >= 13 else 0.0)
                p.phone = phone() if rng.random() < own else None
                if p.phone and hh_phone is None and role in ("head", "spouse", "single"):
                    hh_phone = p.phone
                p.village, p.house = village, house
                p.prev_village = p.prev_house = None
                if rng.random() < 0.04 and age >= 18:
                    # Moved here: from another village of the subdistrict, or farther.
                    same_sub = [v for v in villages[max(0, vi - 12):vi + 12]
                                if v[:6] == village[:6] and v != village]
                    pv = rng.choice(same_sub) if same_sub and rng.random() < 0.6 else rng.choice(villages)
                    if pv != village:
                        p.prev_village, p.prev_house = pv, str(rng.randint(1, 250))
                members.append(p)
                persons.append(p)
            for p in members:
                p.household_phone = hh_phone
            made += len(members)
    return persons, villages, households


# ---------------------------------------------------------------------------------------------
# Slips

def tone_slip(rng, s):
    tones = [i for i, c in enumerate(s) if c in TONES]
    if tones and rng.random() < 0.7:
        i = rng.choice(tones)
        return s[:i] + s[i + 1:]
    cons = [i for i, c in enumerate(s) if c in CONSONANTS]
    if not cons:
        return s
    i = rng.choice(cons)
    j = i + 1
    while j < len(s) and s[j] in "ัิีึืุู็":
        j += 1
    return s[:j] + rng.choice("่้") + s[j:]


def letter_swap(rng, s):
    options = [(i, b) for i, c in enumerate(s) for a, b in SWAPS if c == a]
    if not options:
        return tone_slip(rng, s)
    i, b = rng.choice(options)
    return s[:i] + b + s[i + 1:]


def vowel_slip(rng, s):
    options = [(i, b) for i, c in enumerate(s) for a, b in VOWEL_LENGTH if c == a]
    if not options:
        return letter_swap(rng, s)
    i, b = rng.choice(options)
    return s[:i] + b + s[i + 1:]


def typo(rng, s):
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s))
    if rng.random() < 0.5:
        return s[:i] + s[i + 1:]  # a letter dropped
    return s[:i] + s[i - 1] + s[i:]  # a letter doubled


def silent_slip(rng, s):
    if "์" in s:
        i = s.index("์")
        return s[:i] + s[i + 1:] if rng.random() < 0.5 else s[:i - 1] + s[i + 1:]
    return tone_slip(rng, s)


NAME_SLIPS = [(tone_slip, 0.32, "tone"), (letter_swap, 0.28, "letter"), (vowel_slip, 0.14, "vowel"),
              (typo, 0.16, "typo"), (silent_slip, 0.10, "silent")]


def name_slip(rng, s):
    x = rng.random()
    for f, w, tag in NAME_SLIPS:
        if x < w:
            return f(rng, s), tag
        x -= w
    return typo(rng, s), "typo"


def id_slip(rng, nid):
    if rng.random() < 0.65:
        i = rng.randrange(13)
        d = rng.choice([c for c in "0123456789" if c != nid[i]])
        return nid[:i] + d + nid[i + 1:], "id_digit"
    i = rng.randrange(12)
    if nid[i] == nid[i + 1]:
        i = next((k for k in range(12) if nid[k] != nid[k + 1]), i)
    return nid[:i] + nid[i + 1] + nid[i] + nid[i + 2:], "id_swap"


# ---------------------------------------------------------------------------------------------
# Lists

SOURCES = {
    # rates: id (ID present), id_slip, name (slip per name), dob_swap, year_off, maiden
    # (married woman under her maiden name), moved (at the old address), thai (Thai digits),
    # phone (phone given when known), hh_phone (a relative's phone when none), dup (twice)
    "survey": dict(prefix="S", id=0.55, id_slip=0.04, name=0.10, dob_swap=0.02, year_off=0.10,
                   maiden=0.10, moved=0.25, thai=0.15, phone=0.7, hh_phone=0.5, dup=0.025,
                   sex_flip=0.004),
    "elderly_allowance": dict(prefix="E", id=0.99, id_slip=0.012, name=0.05, dob_swap=0.01,
                              year_off=0.02, maiden=0.10, moved=0.5, thai=0.0, phone=0.5,
                              hh_phone=0.4, dup=0.006, sex_flip=0.002),
    "disability": dict(prefix="D", id=0.97, id_slip=0.02, name=0.06, dob_swap=0.015,
                       year_off=0.03, maiden=0.1, moved=0.4, thai=0.05, phone=0.6,
                       hh_phone=0.5, dup=0.004, sex_flip=0.002),
    "welfare_card": dict(prefix="W", id=1.0, id_slip=0.008, name=0.04, dob_swap=0.005,
                         year_off=0.01, maiden=0.08, moved=0.3, thai=0.0, phone=0.8, hh_phone=0.2,
                         dup=0.003, sex_flip=0.001),
}

HEADERS = {
    "survey": ["ลำดับ", "เลขประจำตัวประชาชน", "ชื่อ", "นามสกุล", "เพศ", "วันเกิด",
               "รหัสหมู่บ้าน", "บ้านเลขที่", "เบอร์โทร"],
    "elderly_allowance": ["id", "citizen_id", "title", "first_name", "last_name", "gender", "dob",
                          "village_code", "house_no", "phone"],
    "disability": ["รหัส", "เลขบัตรประชาชน", "คำนำหน้า", "ชื่อ", "นามสกุล", "เพศ",
                   "วันเดือนปีเกิด", "บ้านเลขที่", "รหัสหมู่บ้าน", "โทรศัพท์"],
    "welfare_card": ["ref", "pid", "prefix", "fname", "lname", "sex", "birth_date", "village",
                     "house", "mobile"],
}

ALL_HEADER = ["record_id", "source", "national_id", "prefix", "first_name", "last_name", "sex",
              "birth_date", "village_code", "house_number", "phone"]


def prefix_of(p, rng):
    age = age_of(p)
    if age < 15:
        return "ด.ช." if p.sex == "M" else "ด.ญ."
    if p.sex == "M":
        return "นาย"
    if p.married or (age >= 40 and rng.random() < 0.6):
        return "นาง"
    return "นางสาว"


def in_lists(p, rng):
    age = age_of(p)
    out = []
    if age >= 60 and p.nid and rng.random() < 0.95:
        out.append("elderly_allowance")
    if p.nid and rng.random() < (0.14 if age >= 60 else 0.03):
        out.append("disability")
    if age >= 18 and p.nid and rng.random() < 0.6:
        out.append("welfare_card")
    return out


def write_record(p, source, rng, fmt):
    """One record of `p` as `source` writes it: (common fields dict, slips list)."""
    r = SOURCES[source]
    slips = []
    thai = rng.random() < r["thai"]
    # ID
    nid = ""
    if p.nid and rng.random() < r["id"]:
        nid = p.nid
        if rng.random() < r["id_slip"]:
            nid, tag = id_slip(rng, nid)
            slips.append(tag)
    else:
        slips.append("no_id")
    # Names
    first, last = p.first, p.last
    if p.maiden and rng.random() < r["maiden"]:
        last = p.maiden
        slips.append("maiden")
    if rng.random() < r["name"]:
        first, tag = name_slip(rng, first)
        slips.append("first_" + tag)
    if rng.random() < r["name"]:
        last, tag = name_slip(rng, last)
        slips.append("last_" + tag)
    prefix = prefix_of(p, rng)
    sex = p.sex
    if rng.random() < r["sex_flip"]:
        sex = "F" if sex == "M" else "M"
        slips.append("sex")
    # Birth
    y, m, d = p.y, p.m, p.d
    if rng.random() < r["year_off"]:
        y += rng.choice([-1, 1])
        slips.append("year_off")
    if rng.random() < r["dob_swap"] and d <= 12 and d != m:
        m, d = d, m
        slips.append("dob_swap")
    year_only = p.year_only
    # Address
    village, house = p.village, p.house
    if p.prev_village and rng.random() < r["moved"]:
        village, house = p.prev_village, p.prev_house
        slips.append("moved")
    # Phone
    phone = ""
    if p.phone and rng.random() < r["phone"]:
        phone = p.phone
    elif not p.phone and p.household_phone and rng.random() < r["hh_phone"]:
        phone = p.household_phone
        slips.append("hh_phone")
    out = fmt(p, rng, nid=nid, prefix=prefix, first=first, last=last, sex=sex, y=y, m=m, d=d,
              year_only=year_only, village=village, house=house, phone=phone, thai=thai,
              slips=slips)
    return out, slips


def fmt_phone(rng, phone):
    if not phone:
        return ""
    x = rng.random()
    if x < 0.5:
        return phone
    if x < 0.8:
        return f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    if x < 0.9:
        return "+66" + phone[1:]
    return f"{phone[:2]} {phone[2:6]} {phone[6:]}"


def fmt_survey(p, rng, **f):
    # The title glued to the first name, spaced, or absent; birth year only (BE) often.
    x = rng.random()
    if x < 0.45:
        first = f["prefix"] + f["first"]
    elif x < 0.6:
        first = f["prefix"] + " " + f["first"]
    else:
        first = f["first"]
    if f["year_only"] or rng.random() < 0.45:
        birth = str(f["y"] + BE)
        if not f["year_only"]:
            f["slips"].append("year_only")
    else:
        birth = f"{f['d']:02d}/{f['m']:02d}/{f['y'] + BE}" if rng.random() < 0.8 else \
            f"{f['d']}/{f['m']}/{f['y'] + BE}"
    sex = {"M": "ช", "F": "ญ"}[f["sex"]] if rng.random() < 0.9 else ""
    house = f["house"]
    nid = f["nid"]
    if f["thai"]:
        birth = birth.translate(THAI_DIGITS)
        house = house.translate(THAI_DIGITS)
        nid = nid.translate(THAI_DIGITS)
    village = f["village"]
    return dict(national_id=nid, prefix="", first_name=first, last_name=f["last"], sex=sex,
                birth_date=birth, village_code=village, house_number=house,
                phone=fmt_phone(rng, f["phone"]))


def fmt_elderly(p, rng, **f):
    if f["year_only"]:
        x = rng.random()
        birth = (f"00/00/{f['y'] + BE}" if x < 0.4 else f"01/01/{f['y'] + BE}" if x < 0.7
                 else f"-/-/{f['y'] + BE}" if x < 0.85 else str(f["y"] + BE))
    elif rng.random() < 0.6:
        birth = f"{f['y']:04d}-{f['m']:02d}-{f['d']:02d}"
    else:
        birth = f"{f['d']:02d}/{f['m']:02d}/{f['y'] + BE}"
    sex = {"M": "M", "F": "F"}[f["sex"]]
    return dict(national_id=f["nid"], prefix=f["prefix"], first_name=f["first"],
                last_name=f["last"], sex=sex, birth_date=birth, village_code=f["village"],
                house_number=f["house"], phone=fmt_phone(rng, f["phone"]))


def fmt_disability(p, rng, **f):
    nid = f["nid"]
    if nid and rng.random() < 0.5:
        nid = f"{nid[0]}-{nid[1:5]}-{nid[5:10]}-{nid[10:12]}-{nid[12]}"
    if f["year_only"]:
        birth = str(f["y"] + BE) if rng.random() < 0.5 else f"00/00/{f['y'] + BE}"
    elif rng.random() < 0.4:
        birth = f"{f['d']} {TH_MONTHS[f['m'] - 1]} {f['y'] + BE}"
    else:
        birth = f"{f['d']:02d}/{f['m']:02d}/{f['y'] + BE}"
    house = f["house"]
    if rng.random() < 0.2:
        house = "เลขที่ " + house
    if f["thai"]:
        birth = birth.translate(THAI_DIGITS)
        house = house.translate(THAI_DIGITS)
    sex = {"M": "ชาย", "F": "หญิง"}[f["sex"]]
    return dict(national_id=nid, prefix=f["prefix"], first_name=f["first"], last_name=f["last"],
                sex=sex, birth_date=birth, village_code=f["village"], house_number=house,
                phone=fmt_phone(rng, f["phone"]))


def fmt_welfare(p, rng, **f):
    if f["year_only"]:
        birth = f"{f['y']:04d}-01-01"
    else:
        birth = f"{f['y']:04d}-{f['m']:02d}-{f['d']:02d}"
    sex = {"M": "1", "F": "2"}[f["sex"]]
    return dict(national_id=f["nid"], prefix=f["prefix"], first_name=f["first"],
                last_name=f["last"], sex=sex, birth_date=birth, village_code=f["village"],
                house_number=f["house"], phone=fmt_phone(rng, f["phone"]))


FORMATS = {"survey": fmt_survey, "elderly_allowance": fmt_elderly, "disability": fmt_disability,
           "welfare_card": fmt_welfare}
COLUMNS = ["national_id", "prefix", "first_name", "last_name", "sex", "birth_date",
           "village_code", "house_number", "phone"]


def source_row(source, rid, c):
    """The list's own row (its own column order and headers) from the common fields."""
    if source == "survey":
        return [rid, c["national_id"], c["first_name"], c["last_name"], c["sex"],
                c["birth_date"], c["village_code"], c["house_number"], c["phone"]]
    if source == "disability":
        return [rid, c["national_id"], c["prefix"], c["first_name"], c["last_name"], c["sex"],
                c["birth_date"], c["house_number"], c["village_code"], c["phone"]]
    return [rid, c["national_id"], c["prefix"], c["first_name"], c["last_name"], c["sex"],
            c["birth_date"], c["village_code"], c["house_number"], c["phone"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="output folder (default bench/linkage/data/p{persons})")
    a = ap.parse_args()
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                f"p{a.persons}")
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    rng = random.Random(a.seed)
    persons, villages, households = build_population(a.persons, rng)
    t1 = time.time()

    files = {s: open(os.path.join(out, f"{s}.csv"), "w", newline="", encoding="utf-8")
             for s in SOURCES}
    writers = {s: csv.writer(f) for s, f in files.items()}
    for s, w in writers.items():
        w.writerow(HEADERS[s])
    all_f = open(os.path.join(out, "all.csv"), "w", newline="", encoding="utf-8")
    truth_f = open(os.path.join(out, "truth.csv"), "w", newline="", encoding="utf-8")
    detail_f = open(os.path.join(out, "truth_detail.csv"), "w", newline="", encoding="utf-8")
    all_w, truth_w, detail_w = csv.writer(all_f), csv.writer(truth_f), csv.writer(detail_f)
    all_w.writerow(ALL_HEADER)
    truth_w.writerow(["record_id", "person_id"])
    detail_w.writerow(["record_id", "person_id", "household_id", "slips"])

    # Which lists hold whom: the survey by household, the agencies by person.
    surveyed = {}
    records = {s: [] for s in SOURCES}
    for p in persons:
        if p.hh not in surveyed:
            surveyed[p.hh] = rng.random() < 0.75
        if surveyed[p.hh]:
            records["survey"].append(p)
        for s in in_lists(p, rng):
            records[s].append(p)
    counts = {}
    for s, ps in records.items():
        r = SOURCES[s]
        extra = [p for p in ps if rng.random() < r["dup"]]
        ps = ps + extra
        if s != "survey":
            rng.shuffle(ps)  # agency lists are not in household order
        n = 0
        for p in ps:
            n += 1
            rid = f"{r['prefix']}{n}"
            c, slips = write_record(p, s, rng, FORMATS[s])
            writers[s].writerow(source_row(s, rid, c))
            all_w.writerow([rid, s] + [c[k] for k in COLUMNS])
            truth_w.writerow([rid, f"P{p.pid}"])
            detail_w.writerow([rid, f"P{p.pid}", f"H{p.hh}", ";".join(slips)])
        counts[s] = n
    for f in [*files.values(), all_f, truth_f, detail_f]:
        f.close()
    total = sum(counts.values())
    listed = sum(1 for p in persons if surveyed[p.hh]) # rough; for the summary only
    print(f"{len(persons):,} persons in {households:,} households and {len(villages):,} villages "
          f"({time.time() - t0:.0f} s; population {t1 - t0:.0f} s)", file=sys.stderr)
    print(f"{total:,} records ({total / len(persons):.2f} per person): " +
          ", ".join(f"{s} {n:,}" for s, n in counts.items()), file=sys.stderr)
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
