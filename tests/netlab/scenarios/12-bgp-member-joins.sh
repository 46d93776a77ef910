#!/usr/bin/env bash
# Scenario 12: a fourth CPE joins at run time. cpe1..3 run with BGP (BIRD from the shipped examples) and the
# controller knows only them; then the controller's config gains cpe4 (reload), and cpe4's agent and BIRD start.
# Without any change to cpe1..3 (their configs are checked unchanged), they learn cpe4's prefixes from the route
# reflector and reach lan4; cpe4 receives the current group SA and reaches lan1..3. The join time (cpe4's agent and
# BIRD started -> lan1..3 reach lan4 and lan4 reaches them) is measured and printed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bird.sh"
nl_init
nl_topology 4
NL_MEMBERS="1 2 3" nl_bgp_controller_conf
for i in 1 2 3 4; do nl_bgp_agent_conf "$i"; done
nl_bird_conf_ctl
for i in 1 2 3 4; do nl_bird_conf_cpe "$i"; done
sums0=$(cd "$NL_DIR" && cksum cpe1.conf cpe2.conf cpe3.conf bird-cpe1.conf bird-cpe2.conf bird-cpe3.conf)
nl_capture_start join
nl_bgp_start_all 1 2 3
nl_wait_group_ready 90 1 2 3
group=$NL_CUR
nl_wait 60 "the BGP routes of cpe1..3 in their tables 100" nl_bgp_routes_all 4 1 2 3
nl_bgp_routes_all 4 1 2 3 || nl_fail "cpe1..3 lack the IPv4 routes from the reflector"
# Nothing of cpe4 yet.
for i in 1 2 3; do
  nl_bgp_no_route 4 "$i" 4 || nl_fail "cpe$i has a route to lan4 before cpe4 exists: $(nl_bgp_table "$i")"
done
nl_wait 20 "cpe1..3 to reach each other over IPv4" nl_bgp_reach 4 "1 2 3" "1 2 3"
nl_log "cpe1..3 up with group SA $group, routes from the reflector, LANs reach each other"

# The controller learns of cpe4 (reload), then cpe4 starts: its agent, and its BIRD once BGP cannot leave in plain text.
NL_MEMBERS="1 2 3 4" nl_bgp_controller_conf
out=$(nl_control "$NL_DIR/ctl.sock" reload) || nl_fail "the controller's control socket refused reload"
[[ $out == reloaded* ]] || nl_fail "controller reload: $out"
nl_log "controller reloaded with cpe4"
nl_uptime; t0=$NL_CS
nl_bgp_start_cpe 4
nl_uptime; t_bird=$NL_CS
nl_wait 90 "cpe4's inbound group SA" nl_inbound_present 4
nl_uptime; t_sa=$NL_CS
nl_wait 60 "cpe4's BGP session with the reflector" nl_bgp_established 4
nl_uptime; t_bgp=$NL_CS
nl_wait 60 "the routes between cpe4 and cpe1..3 (IPv4)" nl_bgp_routes_all 4 1 2 3 4
nl_uptime; t_routes=$NL_CS
nl_wait 60 "lan1..3 and lan4 to reach each other (IPv4)" nl_bgp_reach 4 "1 2 3" 4
nl_uptime; t_reach=$NL_CS
secs() { printf '%d.%d' $((($1 - t0) / 100)) $((($1 - t0) % 100 / 10)); }
nl_log "join timing (s after cpe4's agent started): BIRD started $(secs "$t_bird"), group SA in cpe4's kernel $(secs "$t_sa"), BGP established $(secs "$t_bgp"), routes everywhere $(secs "$t_routes"), lan1..3 <-> lan4 ping $(secs "$t_reach")"

# cpe4 got the current group SA (the join did not rekey the group, or if it did, everyone uses the new one).
nl_group_spis_or_fail
for i in 1 2 3 4; do
  nl_inbound_present "$i" "$NL_CUR" || nl_fail "cpe$i has no inbound state for the group's current SPI $NL_CUR"
done
for i in 1 2 3; do
  nl_xfrm_has_state "cpe$i" "$NL_CUR" "${NL_UL[4,4]}" "${NL_UL[4,$i]}" || nl_fail "cpe$i has no outbound state to cpe4 with SPI $NL_CUR"
  nl_xfrm_has_state cpe4 "$NL_CUR" "${NL_UL[4,$i]}" "${NL_UL[4,4]}" || nl_fail "cpe4 has no outbound state to cpe$i with SPI $NL_CUR"
done
[ "$NL_CUR" = "$group" ] && nl_log "cpe4 joined the group SA $group everyone was using (no rekey)" ||
  nl_log "the group was rekeyed for the join: $group -> $NL_CUR"
nl_bgp_pings 4 3

# IPv6: the routes are there (BIRD), the agents map 64:ff9b::<peer> to the peer (ipv4_in_ipv6_next_hops).
nl_poll 15 nl_bgp_routes_all 6 1 2 3 4 || nl_fail "BIRD did not install the IPv6 routes between cpe4 and the others: cpe1: $(nl_bgp_table 1)"
nl_wait 20 "lan1..3 and lan4 to reach each other (IPv6)" nl_bgp_reach 6 "1 2 3" 4
nl_bgp_pings 6 3

sums1=$(cd "$NL_DIR" && cksum cpe1.conf cpe2.conf cpe3.conf bird-cpe1.conf bird-cpe2.conf bird-cpe3.conf)
[ "$sums0" = "$sums1" ] || nl_fail "the configuration of cpe1..3 changed"
nl_capture_stop join
plain179=$(nl_capture_read join "tcp port 179")
[ -z "$plain179" ] || nl_fail "plain BGP (TCP 179) on the underlay: $(head -n 3 <<<"$plain179" | tr '\n' ' ')"
plain=$(nl_capture_plain join)
[ -z "$plain" ] || nl_fail "non-ESP packets between CPEs on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
nl_log "no plain BGP and nothing but ESP between CPEs on the underlay during the join"
nl_pass
