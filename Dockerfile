# One image for the action server and the Rasa servers of docker-compose.yml (clinic mode).
# It installs the same lock file as `make setup` and trains the model at build time, so a
# container never downloads anything when it starts.
FROM python:3.10-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
ENV RASA_TELEMETRY_ENABLED=false PYTHON=python3.10
RUN make setup train && useradd --system --home /app bring-it-up \
    && mkdir -p var .rasa && chown -R bring-it-up var .rasa
USER bring-it-up
# docker-compose.yml picks the part: `scripts/run.sh actions` or `scripts/run.sh rasa`.
CMD ["bash", "scripts/run.sh", "rasa"]
