# Two commands do all the set-up on a fresh clone:
#   make run    create .venv (first time), then train the NER model of notebook 04 on the embedded corpus
#   make test   create .venv (first time), then run every test and every notebook under nbval
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint images

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	. $(VENV)/bin/activate && papermill notebooks/04_ner.ipynb out.ipynb -p epochs 7

test: $(STAMP)
	. $(VENV)/bin/activate && pytest --nbval

lint: $(STAMP)
	. $(VENV)/bin/activate && ruff check helpers tests notebooks

images: $(STAMP)
	. $(VENV)/bin/activate && python tools/diagrams.py
