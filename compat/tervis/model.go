package tervis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"projectd"
)

// kind is the .NET type of a member, as the help page gives it.
type kind int

const (
	kGUID    kind = iota // globally unique identifier
	kString              // string
	kInt                 // integer
	kDecimal             // decimal number
	kBool                // boolean
	kDate                // date
	kBytes               // Collection of byte: Base64
	kObject              // a complex type, named by typ
	kList                // Collection of a complex type, named by typ
)

// member is one property of a model type, in declaration order.
type member struct {
	name string
	kind kind
	typ  string // the complex type of kObject and kList members
}

// model is every type of the help page, its members in declaration order.
var model = map[string][]member{
	"Project": {
		{"Id", kGUID, ""}, {"Name", kString, ""}, {"CreatedDate", kDate, ""}, {"ModifiedDate", kDate, ""},
		{"Status", kInt, ""}, {"Product", kObject, "Product"}, {"Background", kObject, "Background"},
		{"Stamps", kList, "Stamp"}, {"Assets", kList, "ProjectAsset"}, {"ARAsset", kObject, "ARAsset"},
		{"BackgroundId", kGUID, ""}, {"BackgroundColor", kString, ""}, {"LayoutMaskId", kGUID, ""},
		{"ProductId", kGUID, ""}, {"UserID", kGUID, ""}, {"GuestUserId", kGUID, ""},
		{"PreviewImageDetails", kString, ""}, {"FormTemplate", kString, ""}, {"s7ImageVersion", kString, ""},
		{"FinalVingetteImageLocation", kString, ""}, {"FinalFlatImageLocation", kString, ""},
		{"FinalFlatImageBlobLocation", kString, ""}, {"PreviewFlatImageLocation", kString, ""},
		{"FinalFlatFilename", kString, ""}, {"IsDefaultProjectName", kBool, ""}, {"ProjectImageSource", kString, ""},
		{"FinalImageSource", kInt, ""}, {"ArtboardFlatImage", kBytes, ""}, {"ArtboardFlatImageLocation", kString, ""},
		{"SiteCode", kString, ""}, {"SiteCodeID", kInt, ""}, {"ShowS7NoBackgroundExistsWarning", kBool, ""},
		{"EditRequestDateUTC", kDate, ""}, {"IsCSREditing", kBool, ""}, {"FinalFlatImage", kBytes, ""},
		{"FinalFlatImageNoMask", kBytes, ""}, {"isThemeProject", kBool, ""}, {"SourceProjectId", kGUID, ""},
		{"LicenseId", kGUID, ""}, {"ThemeProjectId", kGUID, ""}, {"PDPFG", kString, ""}, {"PurchaseFG", kString, ""},
		{"IsSourceThemeProject", kBool, ""}, {"SMSOptIn", kBool, ""}, {"TemplateBackgroundId", kGUID, ""},
		{"TemplateBackgroundColor", kString, ""}, {"S7DecorationPositionHorizontal", kInt, ""},
		{"ApplyBGColorToBottomOnly", kBool, ""}, {"ExpiryDate", kDate, ""}, {"IsOrderProjectExpired", kBool, ""},
	},
	"Product": {
		{"Id", kGUID, ""}, {"Name", kString, ""}, {"Size", kInt, ""}, {"Category", kString, ""},
		{"Price", kDecimal, ""}, {"WrapHeight", kDecimal, ""}, {"WrapWidth", kDecimal, ""},
		{"Backgrounds", kList, "Background"}, {"Guideline", kObject, "Guideline"}, {"Form", kString, ""},
		{"FGCode", kString, ""}, {"IsActive", kBool, ""}, {"SiteCodeID", kInt, ""}, {"IsProjectCopiedFromTemplate", kBool, ""},
	},
	"Background": {
		{"Id", kGUID, ""}, {"Name", kString, ""}, {"CategoryNames", kString, ""}, {"Url", kString, ""},
		{"IsDefault", kBool, ""}, {"LicenseID", kGUID, ""}, {"IsLicensed", kBool, ""}, {"PDPFG", kString, ""},
		{"PurchaseFG", kString, ""}, {"PurchasePrice", kDecimal, ""}, {"LayoutRulesCompareResult", kString, ""},
		{"IsSameLayoutAvailable", kBool, ""}, {"IsSameRulesAvailable", kBool, ""}, {"AddedBy", kString, ""},
		{"IsMonogram", kBool, ""}, {"IsAR", kBool, ""}, {"IsActive", kBool, ""}, {"IsForAdmin", kBool, ""}, {"IsDeleted", kBool, ""},
	},
	"Guideline": {
		{"Id", kGUID, ""}, {"LicenseID", kGUID, ""}, {"Name", kString, ""}, {"Description", kString, ""},
		{"IconURL", kString, ""}, {"DesignRules", kString, ""}, {"IsActive", kBool, ""},
	},
	"Stamp": {
		{"Id", kGUID, ""}, {"Name", kString, ""}, {"CategoryNames", kString, ""}, {"Top", kDecimal, ""},
		{"Left", kDecimal, ""}, {"Height", kDecimal, ""}, {"Width", kDecimal, ""}, {"CanChangeColor", kBool, ""},
		{"DefaultColor", kString, ""}, {"Layer", kInt, ""}, {"Rotation", kInt, ""}, {"Url", kString, ""},
		{"AssetId", kGUID, ""}, {"BackgroundColor", kString, ""},
	},
	"ProjectAsset": {
		{"ProjectAssetId", kGUID, ""}, {"Height", kDecimal, ""}, {"Width", kDecimal, ""}, {"AssetHeight", kDecimal, ""},
		{"AssetWidth", kDecimal, ""}, {"Left", kDecimal, ""}, {"Top", kDecimal, ""}, {"AssetId", kGUID, ""},
		{"FlipX", kBool, ""}, {"FlipY", kBool, ""}, {"Rotation", kDecimal, ""}, {"zIndex", kInt, ""},
		{"AssetType", kInt, ""}, {"DesignerPayload", kString, ""}, {"LayoutMaskItemId", kGUID, ""},
		{"ImageUrl", kString, ""}, {"CropPayload", kString, ""}, {"Brightness", kDecimal, ""},
		{"Saturation", kDecimal, ""}, {"ImageFilterType", kString, ""}, {"ThemeProjectDetail", kString, ""},
		{"GalleryAssetID", kGUID, ""}, {"IsLocked", kBool, ""}, {"StampColor", kString, ""}, {"IsThemeImage", kBool, ""},
	},
	"ARAsset": {
		{"Id", kGUID, ""}, {"IsVideoEncoded", kBool, ""}, {"IsVideoTrimmed", kBool, ""}, {"IsPortraitVideo", kBool, ""},
		{"IsKeepLowResolutionVideo", kBool, ""}, {"PublishedVideoURL", kString, ""}, {"OriginalAssetURL", kString, ""},
		{"VideoThumbnailURL", kString, ""}, {"CreatedDateUTC", kDate, ""}, {"ModifiedDateUTC", kDate, ""},
		{"VideoStatus", kInt, ""}, {"IsTemp", kBool, ""}, {"ErrorText", kString, ""}, {"ARVideoUploadStatus", kInt, ""},
	},
}

// MaxItems bounds every collection of the model (Stamps, Assets, Product.Backgrounds):
// an empty item renders as every member of its type, so a collection's length, not the
// bytes it was written in, decides how large a project's answer is.
const MaxItems = 100

// coreMembers of Project come from the core model, not from ext.tervis.
var coreMembers = []string{"Id", "Name", "CreatedDate", "ModifiedDate", "UserID"}

// ValidateExt checks ext.tervis on every write, whichever API makes it: every member of
// the model with the type the help page gives, nested types included; unknown members,
// and members the core model holds, are refused with the field named.
func ValidateExt(ns json.RawMessage) error {
	return validate("Project", ns, "")
}

func validate(typ string, raw json.RawMessage, path string) error {
	fields, err := projectd.JSONMembers(raw)
	if err != nil {
		return projectd.Invalid(trim(path), "%s must be an object", orRoot(path))
	}
	members := model[typ]
	return projectd.EachMember(fields, func(name string, raw json.RawMessage) error {
		field := path + name
		i := slices.IndexFunc(members, func(m member) bool { return m.name == name })
		if i < 0 {
			return projectd.Invalid(field, "%s is not a member of %s", field, typ)
		}
		if typ == "Project" && slices.Contains(coreMembers, name) {
			return projectd.Invalid(field, "%s comes from the project itself, not from ext.tervis", field)
		}
		if err := validateValue(members[i], raw, field); err != nil {
			return err
		}
		return nil
	})
}

func validateValue(m member, raw json.RawMessage, field string) error {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		if m.kind == kInt || m.kind == kDecimal || m.kind == kBool {
			return projectd.Invalid(field, "%s cannot be null", field)
		}
		return nil
	}
	s, isString := projectd.JSONString(raw)
	bad := func(want string) error { return projectd.Invalid(field, "%s must be %s", field, want) }
	switch m.kind {
	case kGUID:
		if _, err := uuid.Parse(s); !isString || err != nil {
			return bad("a GUID")
		}
	case kString:
		if !isString {
			return bad("a string")
		}
	case kInt:
		if _, err := strconv.ParseInt(string(raw), 10, 32); err != nil {
			return bad("a 32-bit integer")
		}
	case kDecimal:
		if _, err := strconv.ParseFloat(string(raw), 64); err != nil || isString {
			return bad("a number")
		}
	case kBool:
		if string(raw) != "true" && string(raw) != "false" {
			return bad("true or false")
		}
	case kDate:
		if _, err := time.Parse(time.RFC3339Nano, s); !isString || err != nil {
			return bad("a date-time with an offset, such as 2026-07-02T16:37:19.0768116+00:00")
		}
	case kBytes:
		if _, err := base64.StdEncoding.DecodeString(s); !isString || err != nil {
			return bad("Base64 bytes")
		}
	case kObject:
		return validate(m.typ, raw, field+".")
	case kList:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return bad("an array of " + m.typ)
		}
		if len(items) > MaxItems {
			return bad(fmt.Sprintf("at most %d %ss", MaxItems, m.typ))
		}
		for i, item := range items {
			if err := validate(m.typ, item, fmt.Sprintf("%s[%d].", field, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func trim(path string) string {
	if len(path) > 0 && path[len(path)-1] == '.' {
		return path[:len(path)-1]
	}
	return path
}

func orRoot(path string) string {
	if path == "" {
		return "ext.tervis"
	}
	return trim(path)
}
