#!/usr/bin/env bash
# `make demo`: the main job of qms on bundled, generated sample data, end to end:
# a workspace with the sample library → a synthetic dossier log for 2025 →
# the log validated and checked → PDF and Excel reports → nonconformities raised
# from the check into the register.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-demo-out}")"
qms="$(realpath .venv/bin/qms)"
rm -rf "$out"
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "Workspace with the sample library"
"$qms" init "$out/workspace"
cd "$out/workspace"
"$qms" docs validate

step "A synthetic dossier log for 2025 (known defects listed in truth.csv)"
"$qms" generate --dossiers 3000 --seed 2025 --from 2025-01-01 --to 2025-12-31 \
  --out "$out/log.csv" --truth "$out/truth.csv"

step "Reading the log"
"$qms" log validate "$out/log.csv" --rejects "$out/rejects.csv"

step "Checking every dossier against the procedure issue in force at receipt"
"$qms" check "$out/log.csv" --from 2025-01-01 --to 2025-12-31 --out "$out/check"

step "Reports"
"$qms" report --from-check "$out/check" --pdf "$out/bao-cao.pdf" --xlsx "$out/bao-cao.xlsx"

step "Nonconformities raised from the check into the register (as the ISO secretary)"
export QMS_USER=iso.secretary
"$qms" nc raise-from-check "$out/check" --period quarter --min-severity major
echo "-- the same again raises nothing new:"
"$qms" nc raise-from-check "$out/check" --period quarter --min-severity major > "$out/raise-again.txt"
head -n 1 "$out/raise-again.txt"
"$qms" nc list --open-only --unit MOTCUA
"$qms" nc verify

cat <<DONE

Outputs:
  workspace (library, qms.yaml, register database): $out/workspace
  dossier log and injected defects:   $out/log.csv, $out/truth.csv
  check outputs:                      $out/check/ (dossiers, findings, summary.json)
  PDF report:                         $out/bao-cao.pdf
  Excel report:                       $out/bao-cao.xlsx
DONE
