package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"projectd"
	"projectd/sqlstore"
)

// demoProjects are shaped so that every surface has something to show.
var demoProjects = []projectd.ProjectCreate{
	{Name: "Spring campaign film", Description: "Interactive film for the spring campaign.", Workspace: "demo-studio",
		Ext: json.RawMessage(`{"movika":{"cover":"https://cdn.example.com/covers/spring.jpg","manifestChanges":"scene 3 reordered","lastBuiltManifestUrl":"https://cdn.example.com/manifests/spring/built.json","currentManifestUrl":"https://cdn.example.com/manifests/spring/current.json","buildStatus":2,"lastBuildStatus":2,"keywords":"spring, campaign","deployStatus":2,"lastDeployType":2,"deployedTo":[1,2],"modified":false}}`)},
	{Name: "Elephant color", Description: "What color is the elephant in the picture?",
		Ext: json.RawMessage(`{"tasks":{"public_instructions":"<p>Look at the picture and decide what color the elephant is.</p>","private_comment":"My first project","task_spec":{"input_spec":{"image":{"type":"url","required":true,"hidden":false}},"output_spec":{"result":{"type":"string","required":true,"hidden":false}},"view_spec":{"type":"classic","assets":{"script_urls":["library1.js","library2.js"]},"markup":"<task interface code>","script":"<JavaScript code>","styles":"<CSS code>","settings":{"showSkip":true,"showTimer":true,"showTitle":true,"showSubmit":true,"showFullscreen":true,"showInstructions":true,"showFinish":true,"showMessage":true,"showReward":true}}},"assignments_issuing_type":"AUTOMATED","assignments_automerge_enabled":false,"max_active_assignments_count":15,"quality_control":{"configs":[{"collector_config":{"type":"SKIPPED_IN_ROW_ASSIGNMENTS"},"rules":[{"conditions":[{"key":"skipped_in_row_count","operator":"GTE","value":10}],"action":{"type":"REJECT_ALL_ASSIGNMENTS","parameters":{"public_comment":"Skipped more than 10 task suites in a row"}}}]}]},"localization_config":{"default_language":"EN"}}}`)},
	{Name: "My Translation Project", Description: "Catalogue translation into German.",
		Ext: json.RawMessage(`{"textking":{"state":"prepared","currency":"EUR","net_price":432.4,"vat":8,"due_date":"2027-12-24","billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3"}}`)},
	{Name: "Another translation project", Description: "Website strings.",
		Ext: json.RawMessage(`{"textking":{"state":"running","currency":"EUR","net_price":19.4,"vat":8,"due_date":"2027-10-22"}}`)},
	{Name: "Team offsite tumbler", Description: "Custom tumbler design.",
		Ext: json.RawMessage(`{"tervis":{"Status":5,"Product":{"Id":"5877e7a0-7303-4119-bd4f-4615a3f09520","Name":"24oz Tumbler","Size":24,"Category":"Tumblers","Price":24.99,"WrapHeight":6.1,"WrapWidth":7.1,"Backgrounds":[],"Guideline":null,"Form":null,"FGCode":"TUM24","IsActive":true,"SiteCodeID":24,"IsProjectCopiedFromTemplate":false},"Stamps":[{"Id":"366b0c42-552c-4e20-a23a-9243a836532e","Name":"Logo","CategoryNames":"Brand","Top":4.1,"Left":5.1,"Height":6.1,"Width":7.1,"CanChangeColor":true,"DefaultColor":"#ffffff","Layer":1,"Rotation":0,"Url":"https://cdn.example.com/stamps/logo.png","AssetId":"384b7d72-00b6-4446-911c-082d9ece88f1","BackgroundColor":"#1d4e89"}],"BackgroundColor":"#1d4e89","SiteCode":"TRV","SiteCodeID":24,"IsDefaultProjectName":false,"ArtboardFlatImage":"QEA=","ExpiryDate":"2027-08-01T16:37:19.0768116+00:00"}}`)},
	{Name: "default", Workspace: "demo-studio", Ext: json.RawMessage(`{"maiu":{"isBaseProject":true}}`)},
	{Name: "Interview transcripts", Workspace: "demo-studio", Ext: json.RawMessage(`{"maiu":{"isBaseProject":false}}`)},
	{Name: "Archived brochure", Description: "Last year's brochure.", Status: projectd.StatusArchived},
}

// loadDemo fills an empty store with demo users, a workspace and projects (a store that
// has them already keeps them), issues a fresh token for the demo user and prints curl
// lines that work as printed.
func loadDemo(ctx context.Context, store *sqlstore.DB, base string, out io.Writer) error {
	ann, err := store.FindUserByLogin(ctx, "ann")
	if projectd.ErrorCode(err) == projectd.ENOTFOUND {
		ann, err = createDemoData(ctx, store)
	}
	if err != nil {
		return err
	}
	token, err := store.CreateToken(ctx, ann.Login, "demo", nil, 0)
	if err != nil {
		return err
	}
	appKey, err := store.CreateAppKey(ctx, "demo studio "+time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return err
	}
	key, err := store.CreateAccessKey(ctx, ann.Login)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `projectd demo: users ada (admin), ann and bob; workspace demo-studio; %d projects.
Token of ann (shown once): %s

Native API:
  curl -s -H 'Authorization: Bearer %[2]s' '%[3]s/api/projects?limit=5&sort=-created'
  curl -s -H 'Authorization: Bearer %[2]s' '%[3]s/api/me'

Yandex Tasks (Toloka API):
  curl -s -H 'Authorization: OAuth %[2]s' '%[3]s/api/v1/projects?status=ACTIVE&created_gte=2021-12-01'

TextKing:
  curl -s -H 'Authorization: Bearer %[2]s' -H 'Accept: application/json' '%[3]s/v1/projects?state=prepared&per_page=2'

Movika Studio Pro (app key %[4]s):
  curl -s -H 'Authorization: Bearer %[2]s' -H 'Api-Key: %[4]s' -H 'Api-Version: 2.0' '%[3]s/studio-pro/my'

NAVER Media AI Understanding (signed with access key %[5]s; run the lines together):
  TS=$(date +%%s000); SIG=$(printf 'GET /api/v1/workspaces/demo-studio/projects\n%%s\n%%s' "$TS" '%[5]s' | openssl dgst -sha256 -hmac '%[6]s' -binary | base64)
  curl -s -H "x-ncp-apigw-timestamp: $TS" -H 'x-ncp-iam-access-key: %[5]s' -H "x-ncp-apigw-signature-v2: $SIG" '%[3]s/api/v1/workspaces/demo-studio/projects'

Tervis customizer services (JSON; add -H 'Accept: application/xml' for XML):
  curl -s -H 'Authorization: Bearer %[2]s' '%[3]s/projects/GetUserProjects/%[7]s'
`, len(demoProjects), token.Secret, base, appKey, key.AccessKey, key.SecretKey, ann.UID)
	return nil
}

func createDemoData(ctx context.Context, store *sqlstore.DB) (*projectd.User, error) {
	users := []*projectd.User{
		{Login: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: projectd.RoleAdmin},
		{Login: "ann", Email: "ann@example.com", FirstName: "Ann", LastName: "Ivanova", AvatarURL: "https://avatars.example.com/ann.png"},
		{Login: "bob", Email: "bob@example.com", FirstName: "Bob", LastName: "Smith"},
	}
	for _, u := range users {
		if err := store.CreateUser(ctx, u); err != nil {
			return nil, err
		}
	}
	ann := users[1]
	asAnn := projectd.NewContextWithAuth(ctx, &projectd.Auth{User: ann, Scopes: []string{projectd.ScopeRead, projectd.ScopeWrite}})
	if _, err := store.CreateWorkspace(asAnn, "demo-studio", []projectd.WorkspaceMember{{Login: "bob", Role: projectd.WorkspaceRoleMember}}); err != nil {
		return nil, err
	}
	for i := range demoProjects {
		if _, err := store.CreateProject(asAnn, &demoProjects[i]); err != nil {
			return nil, fmt.Errorf("project %q: %w", demoProjects[i].Name, err)
		}
	}
	return ann, nil
}
