// The Go text/template subset of stacks.name_template: every supported construct, Go's semantics,
// and the errors for what is not supported.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileTemplate, renderTemplate, goSprintf, isTrue } from '../../src/atmos/template.ts';
import { ConfigError } from '../../src/errors.ts';

const data = {
  vars: { namespace: 'acme', tenant: 'plat', environment: 'ue2', stage: 'dev', region: 'us-east-2', n: 3, zero: 0, empty: '', none: null, list: ['a', 'b'], nolist: [], map: { k: 'v' }, nomap: {}, yes: true, no: false, f: 1.5 },
  settings: { context: { environment: 'use2', stage: 'prod' } },
};
const r = (t: string, d: unknown = data): string => renderTemplate(t, d);

/** The ConfigError a template throws (at compile or render time). */
function errorOf(t: string, d: unknown = data): ConfigError {
  try {
    renderTemplate(t, d);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected an error from ${t}`);
}

test('text and field paths', () => {
  assert.is(r('plain text'), 'plain text');
  assert.is(r(''), '');
  assert.is(r('{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}'), 'plat-ue2-dev');
  assert.is(r('{{.vars.tenant}}-{{.vars.stage}}'), 'plat-dev');
  assert.is(r('{{ .settings.context.environment }}-{{ .settings.context.stage }}'), 'use2-prod');
  assert.is(r('{{ $.vars.stage }}'), 'dev');
  assert.is(r('{{ with .vars }}{{ .tenant }}/{{ $.vars.stage }}{{ end }}'), 'plat/dev');
  assert.is(r('{{ . }}', 'dot'), 'dot');
  assert.is(r('{{ .vars.n }} {{ .vars.yes }} {{ .vars.f }}'), '3 true 1.5');
  assert.is(r('{{ .vars.list }} {{ .vars.map }}'), '[a b] map[k:v]');
});

test('a nil value prints <no value>, as Go prints a nil interface from a map', () => {
  assert.is(r('{{ .vars.none }}'), '<no value>');
  assert.is(r('{{ index .vars "missing" }}'), '<no value>');
});

test('missing map key is an error (Atmos runs name_template with missingkey=error)', () => {
  const e = errorOf('{{ .vars.tenant }}-{{ .vars.nope }}');
  assert.match(e.message, 'map has no entry for key "nope"');
  assert.match(e.message, 'column 23');
  assert.match(e.message, '<.vars.nope>');
  // Even inside if: Go evaluates the field before testing it.
  assert.match(errorOf('{{ if .vars.nope }}x{{ end }}').message, 'no entry for key "nope"');
  assert.match(errorOf('{{ .nosection.x }}').message, 'no entry for key "nosection"');
  // A nil section: Go's nil pointer message.
  assert.match(errorOf('{{ .vars.none.x }}').message, 'nil pointer evaluating interface {}.x');
  assert.match(errorOf('{{ .vars.tenant.x }}').message, "can't evaluate field x in type string");
});

test("missingKey: 'default' gives Go's <no value>", () => {
  const t = compileTemplate('{{ .vars.nope }}|{{ .nosection.x.y }}', undefined, { missingKey: 'default' });
  assert.is(t(data), '<no value>|<no value>');
});

test('the idioms for optional keys work: index, hasKey, with index', () => {
  assert.is(r('{{ if hasKey .vars "tenant" }}{{ .vars.tenant }}-{{ end }}{{ .vars.stage }}'), 'plat-dev');
  assert.is(r('{{ if hasKey .vars "nope" }}{{ .vars.nope }}-{{ end }}{{ .vars.stage }}'), 'dev');
  assert.is(r('{{ with index .vars "nope" }}{{ . }}-{{ end }}{{ .vars.stage }}'), 'dev');
  assert.is(r('{{ index .vars "list" 1 }}{{ index .vars.map "k" }}'), 'bv');
  assert.match(errorOf('{{ index .vars.list 5 }}').message, 'index out of range: 5');
});

test('Go truthiness', () => {
  for (const v of [null, undefined, false, 0, '', [], {}]) assert.is(isTrue(v), false, String(v));
  for (const v of [true, 1, -1, 0.5, 'x', ['a'], { k: 1 }]) assert.is(isTrue(v), true, String(v));
  const t = (cond: string): string => r(`{{ if ${cond} }}T{{ else }}F{{ end }}`);
  assert.is(t('.vars.zero'), 'F');
  assert.is(t('.vars.n'), 'T');
  assert.is(t('.vars.empty'), 'F');
  assert.is(t('.vars.none'), 'F');
  assert.is(t('.vars.nolist'), 'F');
  assert.is(t('.vars.list'), 'T');
  assert.is(t('.vars.nomap'), 'F');
  assert.is(t('.vars.map'), 'T');
  assert.is(t('.vars.no'), 'F');
  assert.is(t('"0"'), 'T');
});

test('if / else if / else chains', () => {
  const t = '{{ if eq .vars.stage "prod" }}P{{ else if eq .vars.stage "staging" }}S{{ else if eq .vars.stage "dev" }}D{{ else }}O{{ end }}';
  assert.is(r(t), 'D');
  assert.is(r(t, { vars: { stage: 'prod' } }), 'P');
  assert.is(r(t, { vars: { stage: 'staging' } }), 'S');
  assert.is(r(t, { vars: { stage: 'qa' } }), 'O');
  assert.is(r('{{ if .vars.no }}x{{ end }}'), '');
  assert.is(r('{{if .vars.yes}}{{if .vars.n}}a{{else}}b{{end}}{{else}}c{{end}}'), 'a');
});

test('with / else with / else', () => {
  assert.is(r('{{ with .vars.map }}{{ .k }}{{ else }}none{{ end }}'), 'v');
  assert.is(r('{{ with .vars.empty }}{{ . }}{{ else }}none{{ end }}'), 'none');
  assert.is(r('{{ with .vars.empty }}a{{ else with .vars.tenant }}{{ . }}{{ else }}c{{ end }}'), 'plat');
  assert.is(r('{{ with .vars.empty }}a{{ else with .vars.zero }}b{{ else }}c{{ end }}'), 'c');
});

test('trim markers', () => {
  assert.is(r('a  {{- .vars.stage -}}  b'), 'adevb');
  assert.is(r('a \n\t {{- .vars.stage }} \n b'), 'adev \n b');
  assert.is(r('a  {{ .vars.stage -}} \n\n b'), 'a  devb');
  assert.is(r('{{- .vars.stage -}}'), 'dev');
  // Without the space, `-` belongs to a number: Go's rule.
  assert.is(r('{{-3}}'), '-3');
  assert.is(r('x {{- /* a comment */ -}} y'), 'xy');
  const multi = `
    {{- $t := .vars.tenant -}}
    {{- $s := .vars.stage -}}
    {{- if $t -}}
      {{- $t }}-
    {{- end -}}
    {{- $s -}}
  `;
  assert.is(r(multi), 'plat-dev');
});

test('comments', () => {
  assert.is(r('a{{/* comment */}}b'), 'ab');
  assert.is(r('a{{/* multi\nline }} */}}b'), 'ab');
  assert.match(errorOf('{{/* x */ .vars.stage }}').message, 'comment ends before closing delimiter');
  assert.match(errorOf('{{/* never closed').message, 'unclosed comment');
});

test('pipelines, with the piped value as the last argument', () => {
  assert.is(r('{{ .vars.stage | upper }}'), 'DEV');
  assert.is(r('{{ .vars.tenant | printf "%s-x" | upper | trimSuffix "-X" }}'), 'PLAT');
  assert.is(r('{{ "  Plat  " | trim | lower | replace "a" "o" }}'), 'plot');
  assert.is(r('{{ .vars.empty | default "none" }}'), 'none');
  assert.is(r('{{ .vars.tenant | default "none" }}'), 'plat');
  assert.is(r('{{ .vars.stage | eq "dev" }}'), 'true');
});

test('parentheses, nested', () => {
  assert.is(r('{{ printf "%s-%s" (upper .vars.tenant) (lower (printf "%s%s" "U" (upper .vars.environment))) }}'), 'PLAT-uue2');
  assert.is(r('{{ if and (ne .vars.tenant "") (or (eq .vars.stage "prod") (eq .vars.stage "dev")) }}yes{{ end }}'), 'yes');
  assert.is(r('{{ (.vars.map).k }}'), 'v');
  assert.is(r('{{ (index .vars "map").k }}'), 'v');
  assert.is(r('{{ ((((.vars.stage)))) }}'), 'dev');
});

test('literals: strings, raw strings, numbers, chars, booleans, nil', () => {
  assert.is(r('{{ "a\\tb\\"c\\u00e9" }}'), 'a\tb"cé');
  assert.is(r('{{ `{{ .vars.environment }}-{{ .vars.stage }}` }}'), '{{ .vars.environment }}-{{ .vars.stage }}');
  assert.is(r('{{ 42 }} {{ -7 }} {{ 0x1F }} {{ 1_000 }} {{ 2.5 }} {{ 1e3 }}'), '42 -7 31 1000 2.5 1000');
  assert.is(r("{{ 'a' }}"), '97');
  assert.is(r('{{ true }} {{ false }}'), 'true false');
  assert.is(r('{{ eq .vars.none nil }} {{ eq .vars.tenant nil }}'), 'true false');
  assert.match(errorOf('{{ nil }}').message, 'nil is not a command');
});

test('variables: declaration, assignment, scope', () => {
  assert.is(r('{{ $x := .vars.tenant }}{{ $x }}-{{ $x = "b" }}{{ $x }}'), 'plat-b');
  assert.is(r('{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }}-{{ $x }}'), 'inner-outer');
  assert.is(r('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}'), 'b');
  assert.is(r('{{ $m := .vars }}{{ $m.tenant }}'), 'plat');
  assert.match(errorOf('{{ $y }}').message, 'undefined variable "$y"');
  assert.match(errorOf('{{ if true }}{{ $z := 1 }}{{ end }}{{ $z }}').message, 'undefined variable "$z"');
  assert.match(errorOf('{{ $w = 1 }}').message, 'undefined variable "$w"');
});

test('the Atmos docs validation template (variables, fail, and/or, printf)', () => {
  const tpl = `{{- $ns := .vars.namespace -}}
  {{- $tenant := .vars.tenant -}}
  {{- $env := .vars.environment -}}
  {{- $stage := .vars.stage -}}
  {{- $stack_name := "" -}}

  {{- if eq $ns "" -}}
  {{- fail "Error: 'namespace' is required." -}}
  {{- end -}}

  {{- if and (ne $tenant "") (eq $ns "") -}}
  {{- fail "Error: 'tenant' requires 'namespace'." -}}
  {{- end -}}

  {{- if ne $tenant "" -}}
  {{- $stack_name = $tenant -}}
  {{- end -}}

  {{- if ne $env "" -}}
  {{- $stack_name = printf "%s-%s" $stack_name $env -}}
  {{- end -}}

  {{- if ne $stage "" -}}
  {{- $stack_name = printf "%s-%s" $stack_name $stage -}}
  {{- end -}}

  {{- $stack_name -}}`;
  assert.is(r(tpl, { vars: { namespace: 'acme', tenant: 'plat', environment: 'ue2', stage: 'prod' } }), 'plat-ue2-prod');
  const e = errorOf(tpl, { vars: { namespace: '', tenant: 'plat', environment: 'ue2', stage: 'prod' } });
  assert.match(e.message, "Error: 'namespace' is required.");
  assert.match(e.message, 'line 8');
});

test('eq with several operands, ne, and comparisons', () => {
  assert.is(r('{{ eq .vars.stage "prod" "dev" }}'), 'true');
  assert.is(r('{{ eq .vars.stage "prod" "staging" }}'), 'false');
  assert.is(r('{{ ne .vars.stage "prod" }}'), 'true');
  assert.is(r('{{ eq .vars.n 3 }} {{ lt .vars.n 4 }} {{ le .vars.n 3 }} {{ gt .vars.n 3 }} {{ ge .vars.n 3 }}'), 'true true true false true');
  assert.is(r('{{ lt "a" "b" }} {{ gt "b" "a" }}'), 'true true');
  assert.match(errorOf('{{ eq .vars.n "3" }}').message, 'incompatible types for comparison');
  assert.match(errorOf('{{ lt .vars.yes .vars.no }}').message, 'invalid type for comparison');
  assert.match(errorOf('{{ eq .vars.map .vars.map }}').message, 'non-comparable');
});

test('and / or short-circuit and return an operand; not', () => {
  assert.is(r('{{ and .vars.tenant .vars.stage }}'), 'dev');
  assert.is(r('{{ and .vars.empty .vars.stage }}'), '');
  assert.is(r('{{ or .vars.empty .vars.stage }}'), 'dev');
  assert.is(r('{{ or .vars.empty .vars.zero }}'), '0');
  // Short-circuit: the missing key on the right is never evaluated.
  assert.is(r('{{ or .vars.tenant .vars.nope }}'), 'plat');
  assert.is(r('{{ and .vars.empty .vars.nope }}'), '');
  assert.is(r('{{ not .vars.empty }} {{ not .vars.tenant }}'), 'true false');
  assert.is(r('{{ .vars.stage | and .vars.tenant }}'), 'dev');
});

test('printf formats and print', () => {
  assert.is(r('{{ printf "%s-%d-%v-%q" .vars.tenant .vars.n .vars.list .vars.stage }}'), 'plat-3-[a b]-"dev"');
  assert.is(r('{{ printf "%03d|%-5s|%5s|%.2f|%t|%x|%%" 7 "ab" "cd" 3.14159 true 255 }}'), '007|ab   |   cd|3.14|true|ff|%');
  assert.is(r('{{ printf "%s" }}'), '%!s(MISSING)');
  assert.is(r('{{ printf "%d" "x" }}'), '%!d(string=x)');
  assert.is(r('{{ printf "a" "extra" }}'), 'a%!(EXTRA string=extra)');
  assert.is(goSprintf('%v %v %v', [null, { b: 1, a: [true] }, 1.5]), '<nil> map[a:[true] b:1] 1.5');
  assert.is(r('{{ print "a" "b" 1 2 "c" }}'), 'ab1 2c');
  assert.is(r('{{ println "a" 1 }}'), 'a 1\n');
});

test('Sprig string helpers, in Sprig argument order', () => {
  assert.is(r('{{ lower "ABC" }} {{ upper "abc" }} {{ title "hello wide-world" }}'), 'abc ABC Hello Wide-World');
  assert.is(r('{{ trim "  x  " }}|{{ trimPrefix "us-" .vars.region }}|{{ trimSuffix "-2" .vars.region }}'), 'x|east-2|us-east');
  assert.is(r('{{ replace "-" "" .vars.region }}'), 'useast2');
  assert.is(r('{{ contains "east" .vars.region }} {{ hasPrefix "us" .vars.region }} {{ hasSuffix "3" .vars.region }}'), 'true true false');
  assert.is(r('{{ quote .vars.stage }} {{ join "," .vars.list }}'), '"dev" a,b');
  assert.is(r('{{ default "x" .vars.zero }} {{ default "x" .vars.n }} {{ default "x" .vars.none }}'), 'x 3 x');
  assert.is(r('{{ coalesce .vars.empty .vars.none .vars.stage }} {{ empty .vars.nolist }} {{ ternary "a" "b" .vars.yes }}'), 'dev true a');
  assert.is(r('{{ len .vars.list }} {{ len .vars.stage }} {{ len .vars.map }}'), '2 3 1');
  assert.is(r('{{ required "stage needed" .vars.stage }}'), 'dev');
  assert.match(errorOf('{{ required "stage needed" .vars.empty }}').message, 'stage needed');
});

test('function argument errors: count and type', () => {
  assert.match(errorOf('{{ upper }}').message, 'wrong number of args for upper: want 1 got 0');
  assert.match(errorOf('{{ upper "a" "b" }}').message, 'wrong number of args for upper');
  assert.match(errorOf('{{ upper .vars.n }}').message, 'expected string; got int');
  assert.match(errorOf('{{ .vars.n | lower }}').message, 'expected string; got int');
  assert.match(errorOf('{{ .vars.tenant "x" }}').message, 'is not a method but has arguments');
  assert.match(errorOf('{{ "a" "b" }}').message, "can't give argument to non-function");
  assert.match(errorOf('{{ .vars.stage | "x" }}').message, 'non executable command in pipeline stage 2');
});

test('unsupported constructs name the construct, the column, and what is supported', () => {
  const cases: Array<[string, string, string]> = [
    ['{{ range .vars.list }}{{ . }}{{ end }}', '{{range}} is not supported', 'column 4'],
    ['ab{{ template "x" }}', '{{template}} is not supported', 'column 6'],
    ['{{ define "x" }}y{{ end }}', '{{define}} is not supported', 'column 4'],
    ['{{ block "x" . }}y{{ end }}', '{{block}} is not supported', 'column 4'],
    ['{{ .vars.stage | toJson }}', 'function "toJson" is not supported', 'column 18'],
    ['{{ env "HOME" }}', 'function "env" is not supported', 'column 4'],
    ['{{ atmos.Component "vpc" .stack }}', 'function "atmos" is not supported', 'column 4'],
  ];
  for (const [tpl, what, col] of cases) {
    const e = errorOf(tpl);
    assert.match(e.message, what, tpl);
    assert.match(e.message, col, tpl);
    assert.match(e.hint ?? '', 'Supported:', tpl);
    assert.match(e.hint ?? '', 'printf', tpl);
  }
});

test('syntax errors: unclosed action, missing end, stray end/else, bad tokens', () => {
  assert.match(errorOf('a {{ .vars.stage').message, 'column 3: unclosed action');
  assert.match(errorOf('{{ if .vars.stage }}x').message, 'missing {{end}} for the {{if}} at column 1');
  assert.match(errorOf('{{ with .vars }}x{{ else }}y').message, 'missing {{end}} for the {{with}}');
  assert.match(errorOf('x{{ end }}').message, 'unexpected {{end}}');
  assert.match(errorOf('{{ else }}').message, 'unexpected {{else}}');
  assert.match(errorOf('{{ if true }}a{{ else }}b{{ else }}c{{ end }}').message, 'second {{else}}');
  assert.match(errorOf('{{ }}').message, 'missing value for command');
  assert.match(errorOf('{{ if }}x{{ end }}').message, 'missing value for if');
  assert.match(errorOf('{{ "abc }}').message, 'unterminated quoted string');
  assert.match(errorOf('{{ (upper "a" }}').message, 'unclosed left paren');
  assert.match(errorOf('{{ .vars.stage ! }}').message, 'unexpected "!"');
  assert.match(errorOf('{{ .vars.stage | }}').message, 'missing command after "|"');
  assert.match(errorOf('{{ 1.2.3 }}').message, 'bad number syntax');
  assert.match(errorOf('line1\n{{ if x }}').message, 'line 2, column 7');
});

test('errors carry the caller position (file:line:col of the name_template setting)', () => {
  const where = { file: '/repo/atmos.yaml', line: 18, col: 18 };
  try {
    renderTemplate('{{ range . }}{{ end }}', {}, where);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.equal((e as ConfigError).pos, where);
    assert.match((e as ConfigError).render(), '/repo/atmos.yaml:18:18: template column 4: {{range}} is not supported');
  }
});

test('compile once, render many', () => {
  const t = compileTemplate('{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}');
  const names = new Set<string>();
  for (let i = 0; i < 1000; i++) names.add(t({ vars: { tenant: `t${i % 10}`, environment: 'ue2', stage: `s${i}` } }));
  assert.is(names.size, 1000);
  assert.ok(names.has('t7-ue2-s997'));
  // A syntax error surfaces at compile time, before any data.
  assert.throws(() => compileTemplate('{{ if }}'), (e: unknown) => e instanceof ConfigError);
});

test('optional tenant (Cloud Posse style)', () => {
  const tpl = '{{ if .vars.tenant }}{{ .vars.tenant }}-{{ end }}{{ .vars.environment }}-{{ .vars.stage }}';
  assert.is(r(tpl), 'plat-ue2-dev');
  assert.is(r(tpl, { vars: { tenant: '', environment: 'ue2', stage: 'dev' } }), 'ue2-dev');
  assert.is(r(tpl, { vars: { tenant: null, environment: 'ue2', stage: 'dev' } }), 'ue2-dev');
  // Absent altogether: Atmos (missingkey=error) fails, and so do we.
  assert.match(errorOf(tpl, { vars: { environment: 'ue2', stage: 'dev' } }).message, 'no entry for key "tenant"');
});

test('an opaque YAML function value is never run or printed', () => {
  class Tag {
    toJSON(): string {
      return '!exec echo hi';
    }
  }
  const e = errorOf('{{ .vars.t }}', { vars: { t: new Tag() } });
  assert.match(e.message, 'unevaluated YAML function (!exec echo hi)');
});

test.run();
