# Gatehouse: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: deps build demo test bench format lint clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

demo: build
	scripts/demo.sh

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	$(SWIFT) run -c release gatehouse-bench

format:
	$(SWIFT) format format -i -r Package.swift Sources Tests

lint:
	$(SWIFT) format lint -r --strict Package.swift Sources Tests

clean:
	rm -rf .build
