#!/usr/bin/env bash
# Scenario 04: `kill -9` of an agent and restart: afterwards no duplicate and no stale states or
# policies (the same set as before the kill, every SPI one the controller holds), and traffic resumes.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
nl_overlay_routes
nl_start_all
spi=$NL_CUR
nl_ping_pairs 4 2
group_keys() { nl_xfrm_states cpe2 | awk '{ print $1, $2, $3, $4 }' | sort; }
states0=$(group_keys)
policies0=$(nl_xfrm_policy_keys cpe2)
nl_log "cpe2 before: $(wc -l <<<"$states0") states, $(wc -l <<<"$policies0") policies"

nl_stop cpe2 KILL 10 || nl_fail "agent cpe2 survived SIGKILL"
nl_log "agent cpe2 killed (-9); its kernel states stay: $(nl_xfrm_count cpe2) states"

nl_start_agent 2
# Ready again: the controller sees cpe2 back and acked, the agent reports the SA active.
back() {
  nl_ctl_status | jq -e '.members[] | select(.name == "cpe2") | .state == "connected"' >/dev/null &&
    nl_agent_spis 2 && [[ " $NL_AGENT_SAS " == *":active "* ]]
}
nl_wait 60 "the restarted agent cpe2 to be connected with an active group SA" back
sleep 2          # let it finish whatever it does after reporting the SA
nl_check_alive
nl_group_spis_or_fail
nl_log "cpe2 back (agent: $NL_AGENT_SAS; controller current $NL_CUR next ${NL_NEXT:-none})"

states1=$(group_keys)
policies1=$(nl_xfrm_policy_keys cpe2)
dup=$(nl_xfrm_all_states cpe2 | awk '{ print $1, $2, $3 }' | sort | uniq -d)
[ -z "$dup" ] || nl_fail "duplicate states on cpe2: $dup"
dup=$(uniq -d <<<"$policies1")
[ -z "$dup" ] || nl_fail "duplicate policies on cpe2: $dup"
stale=$(awk -v a="$NL_CUR" -v b="${NL_NEXT:-}" '$3 != a && $3 != b' <<<"$states1")
[ -z "$stale" ] || nl_fail "stale states on cpe2 (SPI not the group's $NL_CUR/${NL_NEXT:-}): $(tr '\n' ';' <<<"$stale")"
[ "$policies1" = "$policies0" ] ||
  nl_fail "cpe2's policies differ from before the kill: $(diff <(echo "$policies0") <(echo "$policies1") | grep '^[<>]' | tr '\n' ';')"
if [ "$NL_CUR" = "$spi" ] && [ -z "$NL_NEXT" ]; then
  [ "$states1" = "$states0" ] ||
    nl_fail "cpe2's states differ from before the kill: $(diff <(echo "$states0") <(echo "$states1") | grep '^[<>]' | tr '\n' ';')"
fi
# The CHILD_SA with the controller: only the new IKE SA's two states (the killed run's went at start).
child=$(nl_agent_status 2 | jq -r '.child_sa | "\(.inbound_spi) \(.outbound_spi)"')
read -r cin cout <<<"$child"
kids=$(nl_xfrm_child_states cpe2 | awk '{ print $3 }' | sort | tr '\n' ' ')
want=$(printf '%s\n' "$(nl_spi "$cin")" "$(nl_spi "$cout")" | sort | tr '\n' ' ')
[ "$kids" = "$want" ] || nl_fail "cpe2's CHILD_SA states with the controller: SPIs '$kids', expected the new IKE SA's '$want'"
nl_log "cpe2 after: $(wc -l <<<"$states1") states, $(wc -l <<<"$policies1") policies: no duplicate, none stale"

nl_ping_pairs 4 3
nl_log "traffic resumed: all pairs ping"
nl_pass
