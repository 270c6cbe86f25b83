// Package surfaces is the one list of the compatible surfaces that serve runs. Adding a
// surface is its package under compat/ and one line here (compat/README.md).
package surfaces

import (
	"projectd/compat"
	"projectd/compat/movika"
	"projectd/compat/ncpmaiu"
	"projectd/compat/tervis"
	"projectd/compat/textking"
	"projectd/compat/yatasks"
)

// All are the surfaces, in the order seed shapes projects for them and serve --demo
// prints them.
var All = []compat.Surface{
	movika.Surface,
	yatasks.Surface,
	textking.Surface,
	tervis.Surface,
	ncpmaiu.Surface,
}
