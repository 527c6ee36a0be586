#!/usr/bin/env python3
"""Deduplicate `all.csv` with Splink 4 (DuckDB backend), configured as a competent Splink user
would for this data, and write `left_id,right_id,match_probability` like
`ruamjai link dedup --out`.

    /tmp/linkage-venv/bin/python bench/linkage/splink_run.py DATA/all.csv --out PAIRS.csv

What a Splink user does first, in SQL (DuckDB), since Splink compares what it is given:
Thai digits read as ASCII; the national ID as its 13 digits; title prefixes stripped from the
first name (also when glued to it: `นายสมชาย`, `ด.ญ.มาลี`) and the sex taken from them when the
sex column is empty; spaces removed from names; birth dates parsed from ISO, `dd/mm/yyyy`,
`dd <Thai month> yyyy` and a bare year, Buddhist-era years (≥ 2400) less 543, `00/00/yyyy` and
`-/-/yyyy` read as a year only; the village code and its subdistrict (first 6 digits); the phone
as its last 9 digits. `--fold` also folds tone marks and similar Thai letters (ศ ษ ซ→ส, ณ→น,
ธ ถ ฐ→ท, ภ→พ, ญ→ย, ใ→ไ, ์ dropped), as a user who knows Thai could add by SQL: not the default,
which is the "simple normalisation" a general Splink user does.

Model (see settings() below): prediction blocking by national ID; first name + birth year; last
name + subdistrict; first + last name; phone (the same five rules as ruamjai's). Comparisons:
national ID exact / Damerau-Levenshtein ≤ 1 (one digit slipped or two swapped); first and last
name exact (with term-frequency adjustment) / Jaro-Winkler ≥ 0.92 / ≥ 0.80; birth exact date /
same month and year / same year / years one apart; address same village / same subdistrict
(`--house` adds a same-house level first); sex; phone. λ from deterministic rules (recall 0.8),
u from random pairs (`--max-pairs`, default 1e6, seed 1), m by EM on three training blocking
rules (`--training`, see TRAINING), then `predict(threshold_match_probability=0.9)`.

Prints the Splink and DuckDB versions and the stage times to standard error.
"""
import argparse
import logging
import sys
import time

import duckdb
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

PREFIXES = ["นางสาว", "เด็กชาย", "เด็กหญิง", "น.ส.", "น.ส", "นส.", "ด.ช.", "ด.ช", "ด.ญ.",
            "ด.ญ", "นาย", "นาง", "mr.", "mrs.", "miss", "ms.", "mr", "mrs", "ms"]
MALE = ["นาย", "เด็กชาย", "ด.ช.", "ด.ช", "mr.", "mr"]
FEMALE = ["นางสาว", "เด็กหญิง", "น.ส.", "น.ส", "นส.", "ด.ญ.", "ด.ญ", "นาง", "mrs.", "miss", "ms.",
          "mrs", "ms"]
TH_MONTHS = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
             "พ.ย.", "ธ.ค."]


def sql_list(xs):
    return "[" + ", ".join("'" + x.replace("'", "''") + "'" for x in xs) + "]"


def regex_alt(xs):
    return "|".join(x.replace(".", r"\.") for x in xs)


def clean_sql(path, fold):
    """The cleaning a Splink user writes before linking: one DuckDB statement."""
    digits = "translate({}, '๐๑๒๓๔๕๖๗๘๙', '0123456789')"
    name = "regexp_replace(lower(trim({})), '\\s+', '', 'g')"
    if fold:
        # Tone marks and ็ ๆ ฯ removed, a letter silenced by ์ removed with it, similar letters.
        name = ("translate(regexp_replace(regexp_replace(" + name +
                ", '[่้๊๋็ๆฯ]', '', 'g'), '.[ิุ]?์', '', 'g'), 'ศษซณธถฐฑฒภญใฬฝฎฏ', "
                "'สสสนทททททพยไลฟดต')")
    pre = regex_alt(PREFIXES)
    first = name.format("regexp_replace(lower(fn0), '^(" + pre + ")\\s*', '')")
    last = name.format("last_name")
    nid = "regexp_replace(" + digits.format("national_id") + ", '[^0-9]', '', 'g')"
    village = digits.format("village_code")
    bd, ph = digits.format("birth_date"), digits.format("phone")
    house = "regexp_replace(" + digits.format("house_number") + ", '[^0-9/]', '', 'g')"
    return f"""
    CREATE TABLE clean AS
    WITH raw AS (
        SELECT * FROM read_csv('{path}', header = true, all_varchar = true)
    ), a AS (
        SELECT *,
            regexp_replace(trim(first_name), '\\s+', ' ', 'g') AS fn0,
            trim({bd}) AS bd,
            regexp_replace({ph}, '[^0-9]', '', 'g') AS ph
        FROM raw
    ), b AS (
        SELECT *,
            regexp_extract(lower(fn0), '^({pre})\\s*', 1) AS glued,
            CASE
                WHEN regexp_full_match(bd, '\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}') THEN 'iso'
                WHEN regexp_full_match(bd, '[0-9-]{{1,2}}/[0-9-]{{1,2}}/\\d{{4}}') THEN 'dmy'
                WHEN regexp_full_match(bd, '\\d{{4}}') THEN 'y'
                WHEN regexp_full_match(bd, '\\d{{1,2}} \\S+ \\d{{4}}') THEN 'thai'
            END AS kind
        FROM a
    ), c AS (
        SELECT *,
            TRY_CAST(CASE WHEN kind = 'iso' THEN split_part(bd, '-', 1)
                          WHEN kind IS NOT NULL THEN right(bd, 4) END AS INTEGER) AS y0,
            NULLIF(CASE kind
                WHEN 'iso' THEN TRY_CAST(split_part(bd, '-', 2) AS INTEGER)
                WHEN 'dmy' THEN TRY_CAST(split_part(bd, '/', 2) AS INTEGER)
                WHEN 'thai' THEN list_position({sql_list(TH_MONTHS)}, split_part(bd, ' ', 2))
            END, 0) AS m0,
            NULLIF(CASE kind
                WHEN 'iso' THEN TRY_CAST(split_part(bd, '-', 3) AS INTEGER)
                WHEN 'dmy' THEN TRY_CAST(split_part(bd, '/', 1) AS INTEGER)
                WHEN 'thai' THEN TRY_CAST(split_part(bd, ' ', 1) AS INTEGER)
            END, 0) AS d0
        FROM b
    ), d AS (
        SELECT *,
            CASE WHEN y0 >= 2400 THEN y0 - 543 ELSE y0 END AS y1,
            CASE WHEN m0 BETWEEN 1 AND 12 THEN m0 END AS m1
        FROM c
    )
    SELECT
        record_id,
        CASE WHEN length({nid}) = 13 THEN {nid} END AS national_id,
        NULLIF({first}, '') AS first_name,
        NULLIF({last}, '') AS last_name,
        CASE
            WHEN trim(lower(sex)) IN ('m', '1', 'ช', 'ชาย', 'male') THEN 'M'
            WHEN trim(lower(sex)) IN ('f', '2', 'ญ', 'หญิง', 'female') THEN 'F'
            WHEN list_contains({sql_list(MALE)}, lower(trim(prefix))) OR
                 list_contains({sql_list(MALE)}, glued) THEN 'M'
            WHEN list_contains({sql_list(FEMALE)}, lower(trim(prefix))) OR
                 list_contains({sql_list(FEMALE)}, glued) THEN 'F'
        END AS sex,
        CASE WHEN y1 BETWEEN 1850 AND 2100 THEN y1 END AS birth_year,
        CASE WHEN y1 BETWEEN 1850 AND 2100 THEN m1 END AS birth_month,
        CAST(TRY_CAST(printf('%04d-%02d-%02d', y1, m1, d0) AS DATE) AS VARCHAR) AS dob,
        CASE WHEN regexp_full_match({village}, '[0-9]{{8}}') THEN {village} END AS village_code,
        CASE WHEN regexp_full_match({village}, '[0-9]{{8}}') THEN left({village}, 6) END
            AS subdistrict,
        NULLIF({house}, '') AS house_number,
        CASE WHEN length(ph) >= 9 THEN right(ph, 9) END AS phone
    FROM d
    """


def settings(use_house):
    birth = cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            {"sql_condition": "birth_year_l IS NULL OR birth_year_r IS NULL",
             "label_for_charts": "null", "is_null_level": True},
            {"sql_condition": "dob_l = dob_r", "label_for_charts": "same date"},
            {"sql_condition": "birth_year_l = birth_year_r AND birth_month_l = birth_month_r",
             "label_for_charts": "same month and year"},
            {"sql_condition": "birth_year_l = birth_year_r", "label_for_charts": "same year"},
            {"sql_condition": "abs(birth_year_l - birth_year_r) = 1",
             "label_for_charts": "years one apart"},
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    )
    house = [
        {"sql_condition": "village_code_l = village_code_r AND house_number_l = house_number_r",
         "label_for_charts": "same house in the village"},
    ] if use_house else []
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            {"sql_condition": "village_code_l IS NULL OR village_code_r IS NULL",
             "label_for_charts": "null", "is_null_level": True},
            *house,
            {"sql_condition": "village_code_l = village_code_r",
             "label_for_charts": "same village"},
            {"sql_condition": "subdistrict_l = subdistrict_r",
             "label_for_charts": "same subdistrict"},
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[
            block_on("national_id"),
            block_on("first_name", "birth_year"),
            block_on("last_name", "subdistrict"),
            block_on("first_name", "last_name"),
            block_on("phone"),
        ],
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("national_id", [1]),
            cl.NameComparison("first_name", jaro_winkler_thresholds=[0.92, 0.80])
            .configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name", jaro_winkler_thresholds=[0.92, 0.80])
            .configure(term_frequency_adjustments=True),
            birth,
            address,
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


# EM training blocking rules. `names` (the default): the ID, first + last name, the full birth
# date — within these blocks almost every pair is one person. `ours`: the three rules ruamjai
# trains on (ID; first name + birth year; last name + subdistrict); in last name + subdistrict
# blocks the pairs of one household outnumber the pairs of one person, and EM's "match" class
# drifts towards "same household" (m of a different first name ≈ 0.3): many false positives.
TRAINING = {
    "names": [block_on("national_id"), block_on("first_name", "last_name"), block_on("dob")],
    "ours": [block_on("national_id"), block_on("first_name", "birth_year"),
             block_on("last_name", "subdistrict")],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--max-pairs", type=float, default=1e6)
    ap.add_argument("--fold", action="store_true", help="also fold Thai tone marks and letters")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: every core)")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 3GB (default: DuckDB's, "
                    "80 %% of the machine's memory)")
    ap.add_argument("--training", choices=sorted(TRAINING), default="names",
                    help="EM training blocking rules (see TRAINING)")
    ap.add_argument("--house", action="store_true",
                    help="add a same-house-in-the-village level to the address comparison")
    a = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)
    print(f"splink {splink.__version__}, duckdb {duckdb.__version__}", file=sys.stderr)
    t0 = time.perf_counter()
    stage = [t0]

    def step(what):
        now = time.perf_counter()
        print(f"  {what}: {now - stage[0]:.1f} s", file=sys.stderr)
        stage[0] = now

    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    if a.memory_limit:
        con.execute(f"SET memory_limit = '{a.memory_limit}'")
    con.execute(clean_sql(a.input.replace("'", "''"), a.fold))
    n = con.execute("SELECT count(*) FROM clean").fetchall()[0][0]
    step(f"read and clean {n:,} records")

    linker = Linker("clean", settings(a.house), db_api=DuckDBAPI(connection=con))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("national_id"),
         block_on("first_name", "last_name", "dob")],
        recall=0.8,
    )
    step("λ from deterministic rules")
    linker.training.estimate_u_using_random_sampling(max_pairs=a.max_pairs, seed=1)
    step("u from random pairs")
    for rule in TRAINING[a.training]:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    step(f"m by EM ({len(TRAINING[a.training])} sessions, {a.training})")
    pairs = linker.inference.predict(threshold_match_probability=a.threshold)
    step("predict")
    out = a.out.replace("'", "''")
    con.execute(
        f"COPY (SELECT record_id_l AS left_id, record_id_r AS right_id, "
        f"round(match_probability, 4) AS match_probability FROM {pairs.physical_name}) "
        f"TO '{out}' (HEADER, DELIMITER ',')")
    k = con.execute(f"SELECT count(*) FROM {pairs.physical_name}").fetchall()[0][0]
    step(f"write {k:,} pairs")
    print(f"splink total {time.perf_counter() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
