#!/usr/bin/env bash
# soak-render.sh SAMPLES.tsv OUT.svg — the soak's table (markdown, stdout) with the slope of each RSS over the second
# half (least squares, kB per hour), and an SVG line plot of the agent's RSS and GC heap (the router's concern; the
# controller's RSS is in the table).
set -euo pipefail
samples=$1 svg=$2
awk -F'\t' 'NR > 1 { n++; t[n] = $1; a[n] = $2; h[n] = $3; c[n] = $5; rk[n] = $6; an[n] = $7; fi[n] = $8 }
function slope(v,   i, k, st, sv, stt, stv, m) {   # over the second half, kB per hour
	k = 0; st = sv = stt = stv = 0
	for (i = int(n / 2) + 1; i <= n; i++) { k++; st += t[i]; sv += v[i]; stt += t[i] * t[i]; stv += t[i] * v[i] }
	if (k < 2 || k * stt - st * st == 0) return 0
	m = (k * stv - st * sv) / (k * stt - st * st)
	return m * 3600
}
END {
	print "| minute | agent RSS (kB) | of it anon / file | agent GC heap (kB) | controller RSS (kB) | group rekeys |"
	print "|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) if (i == 1 || i == n || (t[i] % 120) < 30)
		printf "| %.1f | %d | %d / %d | %d | %d | %d |\n", t[i] / 60, a[i], an[i], fi[i], h[i], c[i], rk[i]
	printf "\nSlope over the second half (least squares): agent RSS %+.0f kB/h (anon %+.0f, file %+.0f), agent GC heap %+.0f kB/h, controller RSS %+.0f kB/h.\n",
		slope(a), slope(an), slope(fi), slope(h), slope(c)
	printf "Agent RSS at the end %d kB; change from mid-run to the end %+d kB. Plot: bench/soak.svg.\n", a[n], a[n] - a[int(n / 2) + 1]
	mid = int(n / 2) + 1
	printf "Controller RSS from mid-run to the end: %d -> %d kB (%+.2f %%).\n", c[mid], c[n], (c[mid] > 0 ? (c[n] - c[mid]) * 100 / c[mid] : 0)
}' "$samples"
awk -F'\t' -v out="$svg" 'NR > 1 { n++; t[n] = $1; a[n] = $2; h[n] = $3; c[n] = $5; if ($1 > tm) tm = $1; if ($2 > m) m = $2 }
END {
	W = 720; H = 360; L = 70; B = 40; m = m * 1.1; if (tm == 0) tm = 1
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H > out
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n" > out
	printf "<text x=\"%d\" y=\"16\">make soak: agent RSS and GC heap over time (kB; x: minutes)</text>\n", L > out
	for (g = 0; g <= 4; g++) { y = H - B - (H - B - 30) * g / 4; printf "<line x1=\"%d\" y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\" stroke=\"#ddd\"/><text x=\"5\" y=\"%.0f\">%d</text>\n", L, y, W - 10, y, y + 4, m * g / 4 > out }
	for (g = 0; g <= 5; g++) { x = L + (W - L - 10) * g / 5; printf "<text x=\"%.0f\" y=\"%d\">%.0f</text>\n", x - 5, H - 20, tm / 60 * g / 5 > out }
	split("a h", keys, " "); split("#c0392b #27ae60", colors, " "); split("agent RSS|agent GC heap", names, "|")
	for (k = 1; k <= 2; k++) {
		printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colors[k] > out
		for (i = 1; i <= n; i++) { v = (keys[k] == "a") ? a[i] : (keys[k] == "c") ? c[i] : h[i]
			printf "%.1f,%.1f ", L + (W - L - 10) * t[i] / tm, H - B - (H - B - 30) * v / m > out }
		printf "\"/>\n<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", W - 170, 30 + 16 * k, colors[k], names[k] > out
	}
	print "</svg>" > out
}' "$samples"
