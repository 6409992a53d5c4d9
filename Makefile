# qms: the two commands the README promises, plus helpers for developers.
PY := .venv/bin/python
QMS := .venv/bin/qms
DEMO_OUT ?= demo-out

.PHONY: demo test setup setup-test bench clean

setup:
	@scripts/bootstrap.sh runtime

setup-test:
	@scripts/bootstrap.sh test

## Run the main job on the bundled sample and print where the outputs are.
demo: setup
	@scripts/demo.sh "$(DEMO_OUT)"

## The whole test suite (starts its own PostgreSQL server for the database tests).
test: setup-test
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup-test
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .venv $(DEMO_OUT) .pytest_cache .hypothesis
