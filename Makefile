# The two doors: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the project needs at run and test time (added as the features that need them land).
APT_PACKAGES := gcc libc6-dev openssl iproute2 iptables nftables util-linux procps docker.io busybox-static \
	clang llvm bpftool libbpf-dev libbpf1 chromium

# The web UI, bundled by Vite into the app's package (served at /). Node >= 20 (Vite's floor) from the machine.
UI := src/scopeapp/ui/index.html
UI_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/tsconfig.json -type f 2>/dev/null)

.PHONY: install run test lint typecheck bench clean

install: $(VENV)/.installed bpf/scope_tcp.bpf.o $(UI)

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
		{ echo "the web UI needs Node.js >= 20 (found $$(node --version))"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(UI): frontend/node_modules/.installed $(UI_SOURCES)
	cd frontend && npm run --silent build

# The CO-RE eBPF object, built from source against this kernel's BTF (none: the probe falls back to conntrack).
bpf/scope_tcp.bpf.o: bpf/scope_tcp.bpf.c bpf/scope_events.h bpf/Makefile $(VENV)/.installed
	@if [ -r /sys/kernel/btf/vmlinux ]; then $(MAKE) -s -C bpf; else echo "bpf: no kernel BTF, eBPF tracker not built"; fi

$(VENV)/.installed: pyproject.toml setup.py cext/scopeproc.c cext/scopeproc.h cext/build_scopeproc.py cext/cmerge.c cext/cdecode.c cext/csummary.c cext/report_types.h
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "apt: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

run: install
	$(BIN)/scope launch

test: install
	$(BIN)/ruff check src tests bench cext conftest.py
	$(BIN)/mypy src/scopecore
	$(BIN)/mypy --strict src/scopeprobe src/scopeapp src/scopecli
	$(BIN)/pytest

bench: install
	$(BIN)/pytest bench --benchmark-enable --benchmark-only -p no:cacheprovider

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
