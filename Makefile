.PHONY: run test check messages bench bench-ranking bench-agreement

run:  ## the portal with demo data on http://127.0.0.1:8000, and a Celery worker
	scripts/run.sh

test:  ## the whole test suite
	scripts/test.sh

messages:  ## refresh the catalogues after changing visible strings
	.venv/bin/python manage.py makemessages -l ko -l en --no-obsolete --ignore=.venv --ignore=var
	.venv/bin/python manage.py compilemessages --ignore=.venv

bench-ranking:  ## rank 10,000 applications × 5 reviews (ratio to a plain aggregate) into benchmarks/results
	.venv/bin/python manage.py bench_ranking

bench-agreement:  ## agreement PDF against a one-page WeasyPrint document, into benchmarks/results
	.venv/bin/python manage.py bench_agreement

bench: bench-ranking bench-agreement  ## every benchmark (use DATABASE_URL for PostgreSQL)
