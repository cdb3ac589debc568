package conda

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Construction and representation of non-string scalars, following
// ruamel.yaml's RoundTripConstructor / RoundTripRepresenter so that a
// loaded value is written back the way azureml writes it.

func stringsContains(s, sub string) bool { return strings.Contains(s, sub) }

// constructScalar turns a scalar node into a data-model value.
func constructScalar(n *node) any {
	switch n.tag {
	case tagStr:
		return n.value
	case tagNull:
		return newNone()
	case tagBool:
		return newBool(strings.ToLower(n.value) == "true")
	case tagInt:
		return constructInt(n)
	case tagFloat:
		return constructFloat(n)
	case tagTimestamp:
		return constructTimestamp(n)
	case tagValue, tagMerge:
		// ruamel keeps "=" as a TaggedScalar that is written back verbatim.
		return &pyScalar{tag: n.tag, text: n.value, str: n.value, json: strconv.Quote(n.value)}
	}
	failAt(n.start, "%s", "unsupported scalar "+strconv.Quote(n.value))
	return nil
}

func constructTimestamp(n *node) any {
	// Only plain dates round-trip verbatim (datetime.date.isoformat()).
	if len(n.value) == 10 {
		if _, err := time.Parse("2006-01-02", n.value); err == nil {
			return &pyScalar{tag: tagTimestamp, text: n.value, str: n.value, json: strconv.Quote(n.value)}
		}
		failAt(n.start, "invalid date %q", n.value)
	}
	fail(unsupportedf("timestamp %q (line %d)", n.value, n.start.line+1))
	return nil
}

type intFormat struct {
	base       byte // 'd', 'b', 'o', 'x', 'X'
	width      int  // 0 = none
	underscore *[3]int
}

func constructInt(n *node) any {
	su := n.value
	var us *[3]int
	if sx := strings.TrimRight(su, "_"); strings.Contains(sx, "_") {
		us = &[3]int{len(sx) - strings.LastIndex(sx, "_") - 1, 0, 0}
	}
	s := strings.ReplaceAll(su, "_", "")
	if s == "" {
		failAt(n.start, "invalid integer %q", su)
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		failAt(n.start, "invalid integer %q", su)
	}
	parse := func(digits string, base int) *big.Int {
		v, ok := new(big.Int).SetString(digits, base)
		if !ok {
			failAt(n.start, "invalid integer %q", su)
		}
		if sign < 0 {
			v.Neg(v)
		}
		return v
	}
	setUS := func(prefixed bool) {
		if us == nil {
			return
		}
		if prefixed {
			us[1] = b2i(len(su) > 2 && su[2] == '_')
			us[2] = b2i(len(su) > 3 && su[len(su)-1] == '_')
		} else {
			us[2] = b2i(len(su) > 1 && su[len(su)-1] == '_')
		}
	}
	switch {
	case s == "0":
		return newIntScalar(new(big.Int), "0")
	case strings.HasPrefix(s, "0b"), strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0o"):
		if len(s) < 3 {
			failAt(n.start, "invalid integer %q", su)
		}
		f := intFormat{base: s[1]}
		base := map[byte]int{'b': 2, 'x': 16, 'o': 8}[s[1]]
		if s[2] == '0' {
			f.width = len(s) - 2
		}
		if s[1] == 'x' {
			for _, ch := range s[2:] {
				if strings.ContainsRune("ABCDEF", ch) {
					f.base = 'X'
					break
				}
				if strings.ContainsRune("abcdef", ch) {
					break
				}
			}
		}
		setUS(true)
		f.underscore = us
		v := parse(s[2:], base)
		return newIntScalar(v, formatInt(v, f))
	case s[0] == '0':
		setUS(false)
		v := parse(s, 10)
		return newIntScalar(v, formatInt(v, intFormat{base: 'd', width: len(s), underscore: us}))
	case us != nil:
		setUS(false)
		v := parse(s, 10)
		return newIntScalar(v, formatInt(v, intFormat{base: 'd', underscore: us}))
	}
	v := parse(s, 10)
	return newIntScalar(v, v.String())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// formatInt is RoundTripRepresenter.represent_*_int + insert_underscore.
func formatInt(v *big.Int, f intFormat) string {
	base := 10
	prefix := ""
	switch f.base {
	case 'b':
		base, prefix = 2, "0b"
	case 'o':
		base, prefix = 8, "0o"
	case 'x', 'X':
		base, prefix = 16, "0x"
	}
	s := v.Text(base)
	if f.base == 'X' {
		s = strings.ToUpper(s)
	}
	if f.width > 0 {
		// Python '{:0{w}d}': zero padding after the sign.
		neg := strings.HasPrefix(s, "-")
		digits := strings.TrimPrefix(s, "-")
		w := f.width
		if neg {
			w--
		}
		for len(digits) < w {
			digits = "0" + digits
		}
		if neg {
			digits = "-" + digits
		}
		s = digits
	}
	if f.underscore != nil {
		us := f.underscore
		if us[0] > 0 {
			runes := []byte(s)
			pos := len(runes) - us[0]
			for pos > 0 {
				runes = append(runes[:pos], append([]byte{'_'}, runes[pos:]...)...)
				pos -= us[0]
			}
			s = string(runes)
		}
		if us[1] != 0 {
			s = "_" + s
		}
		if us[2] != 0 {
			s += "_"
		}
	}
	return prefix + s
}

// floatFormat mirrors ruamel's ScalarFloat attributes.
type floatFormat struct {
	width  int
	prec   int
	mSign  string
	mLead0 int
	exp    string // "" = None
	eWidth int
	eSign  bool
}

func constructFloat(n *node) any {
	so := n.value
	s := strings.ToLower(strings.ReplaceAll(so, "_", ""))
	if s == "" {
		failAt(n.start, "invalid float %q", so)
	}
	sign := 1.0
	mSign := ""
	if s[0] == '-' {
		sign = -1
	}
	if s[0] == '+' || s[0] == '-' {
		mSign = s[:1]
		s = s[1:]
	}
	if s == "" {
		failAt(n.start, "invalid float %q", so)
	}
	if s == ".inf" {
		f := math.Inf(int(sign))
		return newFloatScalar(f, representPlainFloat(f))
	}
	if s == ".nan" {
		return newFloatScalar(math.NaN(), ".nan")
	}
	val, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			failAt(n.start, "invalid float %q", so)
		}
	}
	val *= sign
	leadingZeros := func(v string) int {
		n := 0
		for i := 0; i < len(v) && (v[i] == '0' || v[i] == '.'); i++ {
			if v[i] == '0' {
				n++
			}
		}
		return n
	}
	var f floatFormat
	if strings.Contains(s, "e") {
		var mantissa, exponent string
		if parts := strings.Split(so, "e"); len(parts) == 2 {
			mantissa, exponent, f.exp = parts[0], parts[1], "e"
		} else if parts := strings.Split(so, "E"); len(parts) == 2 {
			mantissa, exponent, f.exp = parts[0], parts[1], "E"
		} else {
			failAt(n.start, "invalid float %q", so)
		}
		f.mLead0 = leadingZeros(mantissa)
		f.width = len(mantissa)
		f.prec = strings.Index(mantissa, ".")
		if mSign != "" {
			f.width--
		}
		f.eWidth = len(exponent)
		f.eSign = exponent != "" && (exponent[0] == '+' || exponent[0] == '-')
	} else {
		f.width = len(so)
		f.prec = strings.Index(so, ".")
		f.mLead0 = leadingZeros(so)
	}
	f.mSign = mSign
	text, ok := representScalarFloat(val, f)
	if !ok {
		failAt(n.start, "cannot represent float %q", so)
	}
	return newFloatScalar(val, text)
}

// representPlainFloat is SafeRepresenter.represent_float for Python floats.
func representPlainFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	return strings.ToLower(pyFloatRepr(f))
}

// pyFloatRepr is Python's repr(float).
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	neg := strings.HasPrefix(e, "-")
	e = strings.TrimPrefix(e, "-")
	mant, expS, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expS)
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	if exp >= -5+1 && exp < 16 {
		decpt := exp + 1
		switch {
		case decpt <= 0:
			out = "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			out = digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			out = digits[:decpt] + "." + digits[decpt:]
		}
	} else {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		out = fmt.Sprintf("%se%s%02d", m, sign, exp)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// representScalarFloat is RoundTripRepresenter.represent_scalar_float.
func representScalarFloat(data float64, f floatFormat) (string, bool) {
	if math.IsNaN(data) {
		return ".nan", true
	}
	if math.IsInf(data, 1) {
		return ".inf", true
	}
	if math.IsInf(data, -1) {
		return "-.inf", true
	}
	if f.exp == "" && f.prec > 0 && f.prec == f.width-1 {
		iv := math.Trunc(math.Abs(data))
		return f.mSign + strconv.FormatFloat(iv, 'f', 0, 64) + ".", true
	}
	if f.exp == "" {
		ms := f.mSign
		w := f.width - len(ms)
		p := f.width - f.prec - 1
		if p < 0 {
			return "", false
		}
		value := ms + fmt.Sprintf("%0*.*f", w, p, math.Abs(data))
		if f.prec == 0 || (f.prec == 1 && ms != "") {
			value = strings.Replace(value, "0.", ".", -1)
		}
		for len(value) < f.width {
			value += "0"
		}
		return value, true
	}
	extra := 0
	if f.mSign != "" {
		extra = 1
	}
	es := fmt.Sprintf("%.*e", f.width+extra, data)
	m, eStr, _ := strings.Cut(es, "e")
	w := f.width
	if f.prec <= 0 {
		w = f.width + 1
	}
	if data < 0 {
		w++
	}
	if w < len(m) {
		m = m[:w]
	}
	e, _ := strconv.Atoi(eStr)
	m1, m2, ok := strings.Cut(m, ".")
	if !ok {
		return "", false
	}
	target := f.width
	if f.prec >= 0 {
		target--
	}
	for len(m1)+len(m2) < target {
		m2 += "0"
	}
	if f.mSign != "" && data > 0 {
		m1 = "+" + m1
	}
	expFmt := func(e int) string {
		if f.eSign {
			return fmt.Sprintf("%+0*d", f.eWidth, e)
		}
		return fmt.Sprintf("%0*d", f.eWidth, e)
	}
	switch {
	case f.prec < 0:
		if m2 != "0" {
			e -= len(m2)
		} else {
			m2 = ""
		}
		for len(m1)+len(m2)-extra < f.width {
			m2 += "0"
			e--
		}
		return m1 + m2 + f.exp + expFmt(e), true
	case f.prec == 0:
		e -= len(m2)
		return m1 + m2 + "." + f.exp + expFmt(e), true
	}
	if f.mLead0 > 0 {
		m2 = strings.Repeat("0", f.mLead0-1) + m1 + m2
		m1 = "0"
		if len(m2) < f.mLead0 {
			return "", false
		}
		m2 = m2[:len(m2)-f.mLead0]
		e += f.mLead0
	}
	for len(m1) < f.prec {
		if m2 == "" {
			return "", false
		}
		m1 += m2[:1]
		m2 = m2[1:]
		e--
	}
	return m1 + "." + m2 + f.exp + expFmt(e), true
}
