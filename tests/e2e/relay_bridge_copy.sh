#!/usr/bin/env bash
# relay_bridge_copy.sh: relay_bridge.sh once more with the relay's portable
# copy path (FERRY_RELAY_SPLICE=0). On Linux the bridge splices; the copy
# path is what other systems use, and what Linux falls back to when pipes
# cannot be had, so it keeps its own run of the same checks.
export FERRY_RELAY_SPLICE=0
exec bash "$(dirname "$0")/relay_bridge.sh"
