"""The jinja2 templates of the two reports (autoescaped; charts and the font CSS are the only markup let through)."""

from __future__ import annotations

BASE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
{{ font_css }}
body { font-family: 'PII DejaVu Sans', sans-serif; color: #1d2733; margin: 0 auto; max-width: 1100px;
       padding: 24px; font-size: 14px; line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px;
     border-bottom: 2px solid #1f5f8b; padding-bottom: 3px; }
.sub { color: #556270; margin: 0 0 12px; }
.synthetic { background: #fff3cd; border: 2px solid #c98a00; padding: 8px 12px; font-weight: bold; margin: 12px 0; }
.headline { font-size: 17px; margin: 12px 0; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #c9d3dd; border-radius: 6px; padding: 10px 14px; min-width: 200px; flex: 1; }
.card .big { font-size: 26px; font-weight: bold; color: #1f5f8b; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0; }
th, td { border-bottom: 1px solid #e1e6eb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef3f7; } td.n, th.n { text-align: right; white-space: nowrap; }
tr.pillar td { font-weight: bold; background: #f7f9fb; } tr.sub_pillar td:nth-child(2) { padding-left: 20px; }
.chart svg { max-width: 100%; height: auto; }
.note { color: #556270; font-size: 12.5px; }
ol li { margin: 2px 0; } code { font-size: 12px; word-break: break-all; } td.c { white-space: nowrap; }
.wide { overflow-x: auto; } span.r { color: #556270; font-size: 11px; }
footer { margin-top: 32px; color: #556270; font-size: 12px; }
</style>
</head>
<body>
{% block body %}{% endblock %}
<footer>{{ t('footer') }}</footer>
</body>
</html>
"""

PROFILE = """{% extends 'base' %}{% block body %}
<h1>{{ title }}</h1>
<p class="sub">{{ boundary }} · {{ t('region') }}: {{ region }} · {{ t('code') }} {{ p.province.code }}</p>
{% if synthetic %}<p class="synthetic" id="synthetic">{{ synthetic }}</p>{% endif %}
<p class="headline" id="headline">{{ headline }}</p>

<h2>{{ t('sub_indices') }}</h2>
<div class="cards">{% for c in cards %}
<div class="card"><div>{{ c.name }}</div><div class="big">{{ c.score }}</div><div>{{ c.rank_of }}</div>
<div class="note">{{ t('national_avg') }} {{ c.national_avg }} · {{ t('region_avg') }} {{ c.region_avg }}</div></div>
{% endfor %}</div>

<h2>{{ t('pillars') }}</h2>
<div class="chart" id="pillar-chart" aria-label="{{ t('pillar_chart') }}">{{ pillar_chart }}</div>
<table id="pillars"><thead><tr><th>{{ t('code') }}</th><th>{{ t('name') }}</th><th class="n">{{ t('score') }}</th>
<th class="n">{{ t('rank') }}</th><th class="n">{{ t('national_avg') }}</th><th class="n">{{ t('region_avg') }}</th>
</tr></thead><tbody>{% for r in pillars %}
<tr class="{{ r.level }}"><td>{{ r.code }}</td><td>{{ r.name }}</td><td class="n">{{ r.score }}</td>
<td class="n">{{ r.rank_of }}</td><td class="n">{{ r.national_avg }}</td><td class="n">{{ r.region_avg }}</td></tr>
{% endfor %}</tbody></table>

<h2>{{ t('strengths') }}</h2>
<p id="strength-sentence">{{ strength_sentence }}</p>
<ol id="strengths">{% for s in strengths %}<li>{{ s }}</li>{% endfor %}</ol>
<h2>{{ t('weaknesses') }}</h2>
<p id="weakness-sentence">{{ weakness_sentence }}</p>
<ol id="weaknesses">{% for s in weaknesses %}<li>{{ s }}</li>{% endfor %}</ol>

<h2>{{ t('trend') }}</h2>
<div class="chart" id="trend-chart" aria-label="{{ t('trend_chart') }}">{{ trend_chart }}</div>
<table id="trend"><thead><tr><th>{{ t('year') }}</th><th>{{ t('province') }}</th><th>{{ t('boundary') }}</th>
<th class="n">{{ t('score') }}</th><th class="n">{{ t('rank') }}</th></tr></thead><tbody>{% for r in trend %}
<tr><td>{{ r.year }}</td><td>{{ r.name }}</td><td>{{ r.boundary }}</td><td class="n">{{ r.score }}</td>
<td class="n">{{ r.rank_of }}</td></tr>{% endfor %}</tbody></table>
{% if boundary_note %}<p class="note">{{ boundary_note }}</p>{% endif %}

<h2>{{ t('uncertainty') }}</h2>
<p id="uncertainty">{{ uncertainty }}</p>

<h2>{{ t('indicators') }}</h2>
<table id="indicators"><thead><tr><th>{{ t('code') }}</th><th>{{ t('name') }}</th><th>{{ t('unit') }}</th>
<th class="n">{{ t('data_year') }}</th><th class="n">{{ t('value') }}</th><th class="n">{{ t('score') }}</th>
<th class="n">{{ t('rank') }}</th><th class="n">{{ t('nat_min') }}</th><th class="n">{{ t('nat_median') }}</th>
<th class="n">{{ t('nat_max') }}</th></tr></thead><tbody>{% for r in indicators %}
<tr><td class="c">{{ r.code }}</td><td>{{ r.name }}</td><td>{{ r.unit }}</td><td class="n">{{ r.data_year }}</td>
<td class="n">{{ r.value }}</td><td class="n">{{ r.score }}</td><td class="n">{{ r.rank_of }}</td>
<td class="n">{{ r.nat_min }}</td><td class="n">{{ r.nat_median }}</td><td class="n">{{ r.nat_max }}</td></tr>
{% endfor %}</tbody></table>

<h2>{{ t('whatif') }}</h2>
<p class="note">{{ t('whatif_note') }}</p>
<table id="whatif"><thead><tr><th>{{ t('code') }}</th><th>{{ t('name') }}</th><th class="n">{{ t('direction') }}</th>
<th class="n">{{ t('current') }}</th><th class="n">{{ t('points_per_unit') }}</th><th class="n">{{ t('gain_1') }}</th>
<th class="n">{{ t('gain_3') }}</th><th class="n">{{ t('gain_5') }}</th></tr></thead><tbody>{% for r in whatif %}
<tr><td>{{ r.code }}</td><td>{{ r.name }}</td><td class="n">{{ r.direction }}</td><td class="n">{{ r.current }}</td>
<td class="n">{{ r.points_per_unit }}</td><td class="n">{{ r.gain_1 }}</td><td class="n">{{ r.gain_3 }}</td>
<td class="n">{{ r.gain_5 }}</td></tr>{% endfor %}</tbody></table>

<h2>{{ t('provenance') }}</h2>
<p class="note">{{ t('provenance_note') }}</p>
<table id="provenance"><thead><tr><th>{{ t('indicator') }}</th><th>{{ t('measure') }}</th><th>{{ t('role') }}</th>
<th class="n">{{ t('year') }}</th><th>{{ t('province') }}</th><th class="n">{{ t('value') }}</th>
<th>{{ t('source_file') }}</th>
<th>{{ t('location') }}</th><th>{{ t('evidence') }}</th></tr></thead><tbody>{% for r in provenance %}
<tr><td class="c">{{ r.code }}</td><td><code>{{ r.measure }}</code></td><td>{{ r.role }}</td>
<td class="n">{{ r.year }}</td><td>{{ r.source }}</td><td class="n">{{ r.value }}</td>
<td><code>{{ r.file }}</code></td><td>{{ r.location }}</td><td>{{ r.evidence }}</td></tr>
{% endfor %}</tbody></table>
{% endblock %}
"""

NATIONAL = """{% extends 'base' %}{% block body %}
<h1>{{ title }}</h1>
<p class="sub">{{ boundary }} · {{ t('provinces_count', n=n) }}</p>
{% if synthetic %}<p class="synthetic" id="synthetic">{{ synthetic }}</p>{% endif %}
<h2>{{ t('national_chart') }}</h2>
<div class="chart" id="ranking-chart">{{ chart }}</div>
<h2>{{ t('national_table') }}</h2>
<div class="wide"><table id="ranking"><thead><tr><th class="n">{{ t('rank') }}</th><th>{{ t('province') }}</th>
<th>{{ t('region') }}</th>
{% for c in columns %}<th class="n" title="{{ c.name }}">{{ c.label }}</th>{% endfor %}
<th class="n">{{ t('interval') }}</th></tr></thead><tbody>{% for r in rows %}
<tr><td class="n">{{ r.rank_of }}</td><td>{{ r.name }}</td><td>{{ r.region }}</td>
{% for c in r.cells %}<td class="n">{{ c.score }}<br><span class="r">{{ c.rank_of }}</span></td>{% endfor %}
<td class="n">{{ r.interval }}</td></tr>
{% endfor %}</tbody></table></div>
<p class="note">{% for c in columns %}{{ c.label }}: {{ c.name }}{% if not loop.last %} · {% endif %}{% endfor %}</p>
{% endblock %}
"""
