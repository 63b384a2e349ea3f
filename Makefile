# gaitcheck: the two set-up commands of the README live here.
#   make demo   install gaitcheck in .venv and analyse a sample clip into demo-out/
#   make test   install gaitcheck with its test tools in .venv and run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# A clip made by gaitcheck's own generator (samples/README.md).
DEMO_CLIP ?= samples/single_leg_squat_right_valgus_front.mp4

.PHONY: demo test install install-test browser heavy-model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,synth]"

# The web page's tests drive Debian's chromium (Playwright's own browser downloads fail here).
browser:
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get -qq update && \
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y chromium >/dev/null; } || \
		echo "chromium is not installed: the browser tests will be skipped"

demo: install
	@test -n "$(DEMO_CLIP)" || { echo "no demo clip found in samples/"; exit 1; }
	$(BIN)/gaitcheck analyze "$(DEMO_CLIP)" --out demo-out

# Lint, format, types and the layer contract first (seconds), then the tests.
test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest

# The optional heavy pose model (--model heavy; 30 MB, so not kept in git): its landmark network from
# the npm package @mediapipe/pose, bundled with the 0.10.21 wheel's detector and metadata writer in a
# throwaway venv. Checked against models/PROVENANCE_heavy.json's sha256.
HEAVY_NPM := @mediapipe/pose@0.5.1675469404
heavy-model:
	rm -rf build/heavy && mkdir -p build/heavy
	cd build/heavy && npm pack --silent $(HEAVY_NPM) >/dev/null && tar xzf mediapipe-pose-*.tgz
	$(PYTHON) -m venv build/heavy/mp021 && build/heavy/mp021/bin/pip install --quiet mediapipe==0.10.21
	cp models/PROVENANCE_heavy.json build/heavy/expected.json
	build/heavy/mp021/bin/python models/build_pose_model.py --heavy build/heavy/package/pose_landmark_heavy.tflite
	@grep -q "$$(grep -o '"sha256": "[0-9a-f]*"' build/heavy/expected.json | head -1)" models/PROVENANCE_heavy.json \
		&& echo "models/pose_landmarker_heavy.task matches its provenance" \
		|| { echo "models/pose_landmarker_heavy.task differs from models/PROVENANCE_heavy.json"; exit 1; }

clean:
	rm -rf $(VENV) demo-out .pytest_cache .hypothesis
