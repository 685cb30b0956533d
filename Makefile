# Two commands do all the set-up on a fresh clone:
#   make run    create .venv (first time), then train the NER model of notebook 04 on the embedded corpus
#   make test   create .venv (first time), then run every test and every notebook under nbval
#   make lab    create .venv (first time), then open the course in JupyterLab
#   make site   create .venv (first time), then render the executed chapters into site/ (open site/index.html)
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

# JupyterLab refuses to run as root unless told; containers often run as root, so --allow-root is
# added there only (for other users it changes nothing, and leaving it out keeps the intent clear).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
# more flags for `make lab`, e.g. LAB_ARGS="--port=8890" or, in a container, LAB_ARGS="--ip=0.0.0.0"
LAB_ARGS ?=

.PHONY: run test lint images lab site

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	. $(VENV)/bin/activate && papermill notebooks/04_ner.ipynb out.ipynb -p epochs 7

test: $(STAMP)
	. $(VENV)/bin/activate && pytest --nbval

lint: $(STAMP)
	. $(VENV)/bin/activate && ruff check helpers tests notebooks tools conftest.py

images: $(STAMP)
	. $(VENV)/bin/activate && python tools/diagrams.py

# the chapters as a static website, from their committed outputs (nothing is re-run)
site: $(STAMP)
	. $(VENV)/bin/activate && python tools/site.py

# .jupyter/ holds the course's own Jupyter settings (no "Jupyter news?" prompt, no update check),
# searched before the user's own configuration for this server only
lab: $(STAMP)
	. $(VENV)/bin/activate && JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" jupyter lab $(ALLOW_ROOT) $(LAB_ARGS)
