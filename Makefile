.PHONY: run test check messages bench bench-ranking bench-agreement bench-http bench-scaling

run:  ## the portal with demo data on http://127.0.0.1:8000, and a Celery worker
	scripts/run.sh

test:  ## the whole test suite
	scripts/test.sh

check:  ## migrations in step with the models, and Django's system checks
	.venv/bin/python manage.py makemigrations --check --dry-run
	.venv/bin/python manage.py check

messages:  ## refresh the catalogues after changing visible strings
	.venv/bin/python manage.py makemessages -l ko -l en --no-obsolete --ignore=.venv --ignore=var
	.venv/bin/python manage.py compilemessages --ignore=.venv

bench-ranking:  ## rank 10,000 applications × 5 reviews (ratio to a plain aggregate) into benchmarks/results
	.venv/bin/python manage.py bench_ranking --settings=benchmarks.settings

bench-agreement:  ## agreement PDF against a one-page WeasyPrint document, into benchmarks/results
	.venv/bin/python manage.py bench_agreement --settings=benchmarks.settings

bench-http:  ## pages, submission and upload under gunicorn against bare views, on a throwaway PostgreSQL database
	dropdb --if-exists -h 127.0.0.1 -U postgres portal_bench && createdb -h 127.0.0.1 -U postgres portal_bench
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench PORTAL_VAR_DIR=$(CURDIR)/var/bench .venv/bin/python manage.py migrate -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench PORTAL_VAR_DIR=$(CURDIR)/var/bench .venv/bin/python manage.py bench_http --settings=benchmarks.settings

bench: bench-ranking bench-agreement bench-http  ## every benchmark (use DATABASE_URL for PostgreSQL)

bench-scaling:  ## bench_http with 1, 2 and 4 gunicorn workers, and one table of how throughput scales (benchmarks/results/scaling.md)
	for n in 1 2 4; do \
	  dropdb --if-exists -h 127.0.0.1 -U postgres portal_bench && createdb -h 127.0.0.1 -U postgres portal_bench && \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench PORTAL_VAR_DIR=$(CURDIR)/var/bench .venv/bin/python manage.py migrate -v0 && \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench PORTAL_VAR_DIR=$(CURDIR)/var/bench .venv/bin/python manage.py bench_http --settings=benchmarks.settings \
	    --workers $$n --output benchmarks/results/workers-$$n || exit 1; \
	done
	.venv/bin/python manage.py bench_scaling_table --settings=benchmarks.settings
