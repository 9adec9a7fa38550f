# modemu fleet image: N virtual modules on TCP ports in one process (docs/fleet.md).
#   docker build -t modemu .
#   docker run --rm -p 20000-20099:20000-20099 -v modemu-run:/run/modemu modemu \
#       --count 100 --tcp-base 20000 --tcp-host 0.0.0.0 --control-dir /run/modemu \
#       --manifest /run/modemu/manifest.json
# Volumes: /data/nv (NV files), /data/traces (per-module traces), /run/modemu (control
# sockets and the manifest). TCP only: ptys do not cross a container boundary.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/modemu
COPY pyproject.toml README.md ./
COPY src ./src
# pip compiles the package to bytecode here: with PYTHONDONTWRITEBYTECODE set, nothing is
# cached at run time, and every start would compile each module again (~80 ms).
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/modemu --create-home modemu \
    && mkdir -p /data/nv /data/traces /run/modemu \
    && chown -R modemu /data /run/modemu

USER 10001
VOLUME ["/data/nv", "/data/traces", "/run/modemu"]
EXPOSE 20000-20999

ENTRYPOINT ["modemu", "fleet"]
CMD ["--count", "1000", "--tcp-base", "20000", "--tcp-host", "0.0.0.0", \
     "--state-dir", "/data/nv", "--trace-dir", "/data/traces", \
     "--control-dir", "/run/modemu", "--manifest", "/run/modemu/manifest.json"]
