//! The org directory's reads (`/topapi/…` and the older `/user/…`): the seed world's
//! departments and staff profiles, permission points, field gating, third-party masking,
//! paging and every documented errcode.

use serde_json::{json, Value};

use crate::helpers::*;

impl TestApp {
    /// `POST {path}?access_token=` with a JSON body.
    async fn topapi(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(
            self.http
                .post(format!("{}{path}?access_token={token}", self.base))
                .json(&body),
        )
        .await
    }
}

/// A `/topapi/` success: errcode 0, a request id, the result.
fn ok(a: &Answer) -> &Value {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["errcode"], 0, "{}", a.body);
    assert_eq!(a.body["errmsg"], "ok");
    assert!(
        a.body["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{}",
        a.body
    );
    &a.body["result"]
}

/// A `/topapi/` failure with this errcode (and, for 88, this sub_code).
fn fails(a: &Answer, errcode: i64, sub_code: Option<&str>) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["errcode"], errcode, "{}", a.body);
    assert!(
        a.body["errmsg"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        a.body
    );
    assert!(a.body.get("result").is_none(), "{}", a.body);
    if let Some(sub) = sub_code {
        assert_eq!(a.body["sub_code"], sub, "{}", a.body);
    }
}

both_backends! {
    async fn members_and_departments_read_as_dingtalk_answers_them(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let t = app.token_value(ACME, DIR).await;
        let r = app.topapi(&t, "/topapi/user/getbyunionid", json!({"unionid": ALICE.0})).await;
        assert_eq!(ok(&r), &json!({"contact_type": 0, "userid": "alice"}));
        // Carol is not a member of Acme; a malformed unionId is no user either.
        fails(&app.topapi(&t, "/topapi/user/getbyunionid", json!({"unionid": CAROL.0})).await, 60121, None);
        fails(&app.topapi(&t, "/topapi/user/getbyunionid", json!({"unionid": "no such!"})).await, 60121, None);
        fails(&app.topapi(&t, "/topapi/user/getbyunionid", json!({})).await, 400002, None);

        let bob = app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "bob", "language": "zh_CN"})).await;
        let u = ok(&bob);
        assert_eq!((u["userid"].as_str(), u["unionid"].as_str(), u["name"].as_str()), (Some("bob"), Some(BOB.0), Some("Bob Li")));
        assert_eq!((u["mobile"].as_str(), u["title"].as_str(), u["job_number"].as_str()), (Some("13800000002"), Some("Engineer"), Some("0002")));
        assert_eq!(u["dept_id_list"], json!([101, 200]));
        assert_eq!(u["dept_order_list"], json!([{"dept_id": 101, "order": 1}, {"dept_id": 200, "order": 5}]));
        assert_eq!(u["leader_in_dept"], json!([{"dept_id": 101, "leader": false}, {"dept_id": 200, "leader": false}]));
        assert_eq!((u["manager_userid"].as_str(), u["remark"].as_str(), u["extension"].as_str()), (Some("alice"), Some("on call in December"), Some("{\"爱好\":\"旅游\"}")));
        assert_eq!((u["admin"].as_bool(), u["boss"].as_bool(), u["active"].as_bool()), (Some(false), Some(false), Some(true)));
        // Unset fields are left out, not empty; Bob has no e-mail.
        for absent in ["email", "org_email", "work_place", "hired_date", "telephone"] {
            assert!(u.get(absent).is_none(), "{absent} in {u}");
        }
        let alice = app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "alice"})).await;
        let a = ok(&alice);
        assert_eq!((a["admin"].as_bool(), a["org_email"].as_str(), a["hired_date"].as_i64()), (Some(true), Some("alice@corp.acme.example"), Some(1577836800000)));
        assert_eq!((a["email"].as_str(), a["state_code"].as_str()), (Some("alice@acme.example"), Some("86")));
        assert_eq!(a["leader_in_dept"], json!([{"dept_id": 100, "leader": true}]));
        fails(&app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "nobody"})).await, 60121, None);
        fails(&app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "no body!"})).await, 33012, None);
        fails(&app.topapi(&t, "/topapi/v2/user/get", json!({})).await, 400002, None);

        // Departments: the root's children by order, a subtree, the root as the org.
        let subs = app.topapi(&t, "/topapi/v2/department/listsub", json!({})).await;
        let ids: Vec<i64> = ok(&subs).as_array().unwrap().iter().map(|d| d["dept_id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [100, 200]);
        assert_eq!(ok(&subs)[0], json!({"auto_add_user": true, "create_dept_group": false, "dept_id": 100, "name": "研发部", "parent_id": 1}));
        let sub = app.topapi(&t, "/topapi/v2/department/listsub", json!({"dept_id": 100})).await;
        assert_eq!(ok(&sub).as_array().unwrap().len(), 1);
        fails(&app.topapi(&t, "/topapi/v2/department/listsub", json!({"dept_id": 999})).await, 60003, None);
        fails(&app.topapi(&t, "/topapi/v2/department/listsub", json!({"dept_id": "x"})).await, 40035, None);
        let ids = app.topapi(&t, "/topapi/v2/department/listsubid", json!({"dept_id": 100})).await;
        assert_eq!(ok(&ids), &json!({"dept_id_list": [101]}));
        let d = app.topapi(&t, "/topapi/v2/department/get", json!({"dept_id": "100"})).await;
        let d = ok(&d);
        assert_eq!((d["name"].as_str(), d["parent_id"].as_i64(), d["dept_manager_userid_list"].clone()), (Some("研发部"), Some(1), json!(["alice"])));
        assert_eq!((d["member_count"].as_i64(), d["owning_member_count"].as_i64()), (Some(2), Some(1)));
        let root = app.topapi(&t, "/topapi/v2/department/get", json!({"dept_id": 1})).await;
        let root = ok(&root);
        assert_eq!((root["name"].as_str(), root.get("parent_id")), (Some("Acme Corp"), None));
        assert_eq!(root["member_count"], 2);
        fails(&app.topapi(&t, "/topapi/v2/department/get", json!({"dept_id": 999})).await, 60003, None);
        fails(&app.topapi(&t, "/topapi/v2/department/get", json!({})).await, 400002, None);
        let parents = app.topapi(&t, "/topapi/v2/department/listparentbyuser", json!({"userid": "bob"})).await;
        assert_eq!(ok(&parents), &json!({"parent_list": [{"parent_dept_id_list": [101, 100, 1]}, {"parent_dept_id_list": [200, 1]}]}));

        // Members of a department, by id, by count, by mobile.
        let ids = app.topapi(&t, "/topapi/user/listid", json!({"dept_id": 101})).await;
        assert_eq!(ok(&ids), &json!({"userid_list": ["bob"]}));
        fails(&app.topapi(&t, "/topapi/user/listid", json!({"dept_id": 999})).await, 60003, None);
        let n = app.topapi(&t, "/topapi/user/count", json!({"only_active": false})).await;
        assert_eq!(ok(&n), &json!({"count": 2}));
        fails(&app.topapi(&t, "/topapi/user/count", json!({})).await, 400002, None);
        fails(&app.topapi(&t, "/topapi/user/count", json!({"only_active": "maybe"})).await, 40035, None);
        let m = app.topapi(&t, "/topapi/v2/user/getbymobile", json!({"mobile": "13800000002"})).await;
        assert_eq!(ok(&m), &json!({"userid": "bob"}));
        fails(&app.topapi(&t, "/topapi/v2/user/getbymobile", json!({"mobile": "13900000000"})).await, 60121, None);
        fails(&app.topapi(&t, "/topapi/v2/user/getbymobile", json!({"mobile": "call me"})).await, 40104, None);
        fails(&app.topapi(&t, "/topapi/v2/user/getbymobile", json!({})).await, 400002, None);

        // The older GETs dingtalk-sdk calls: fields at the top level, no request_id.
        let old = app.send(app.http.get(format!("{}/user/getUseridByUnionid?access_token={t}&unionid={}", app.base, BOB.0))).await;
        assert_eq!(old.body, json!({"errcode": 0, "errmsg": "ok", "contactType": 0, "userid": "bob"}));
        let old = app.send(app.http.get(format!("{}/user/get?access_token={t}&userid=bob", app.base))).await;
        assert_eq!((old.body["errcode"].as_i64(), old.body["position"].as_str(), old.body["jobnumber"].as_str()), (Some(0), Some("Engineer"), Some("0002")));
        assert_eq!(old.body["department"], json!([101, 200]));
        assert_eq!(old.body["orderInDepts"], "{\"101\":1,\"200\":5}");
        assert!(old.body.get("request_id").is_none());
        let old = app.send(app.http.get(format!("{}/user/get?access_token={t}&userid=nobody", app.base))).await;
        assert_eq!(old.body, json!({"errcode": 60121, "errmsg": "找不到该用户"}));
    }

    async fn listing_a_department_pages_with_a_cursor(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // Five new members of Acme in the root (no other seat).
        let users: Vec<Value> = (0..5).map(|i| json!({
            "unionId": format!("pagedUser{i:013}"), "login": format!("paged{i}"),
            "password": "paged-password-0", "nick": format!("Paged {i}"),
            "orgs": [{"corpId": ACME, "userid": format!("paged{i}")}],
        })).collect();
        let applied = app.send(app.admin(reqwest::Method::POST, "/apply").json(&json!({"users": users}))).await;
        assert_eq!(applied.status, 200, "{}", applied.body);
        let t = app.token_value(ACME, DIR).await;
        let page = |cursor: i64, size: i64| app.topapi(&t, "/topapi/v2/user/list", json!({"dept_id": 1, "cursor": cursor, "size": size}));
        let first = page(0, 2).await;
        let r = ok(&first);
        assert_eq!((r["has_more"].as_bool(), r["next_cursor"].as_i64()), (Some(true), Some(2)));
        let ids: Vec<&str> = r["list"].as_array().unwrap().iter().map(|u| u["userid"].as_str().unwrap()).collect();
        assert_eq!(ids, ["paged0", "paged1"]);
        let listed = &r["list"][0];
        assert_eq!((listed["dept_order"].as_i64(), listed["leader"].as_bool(), listed["dept_id_list"].clone()), (Some(0), Some(false), json!([1])));
        let last = page(4, 2).await;
        let r = ok(&last);
        assert_eq!((r["has_more"].as_bool(), r.get("next_cursor"), r["list"].as_array().unwrap().len()), (Some(false), None, 1));
        // A cursor past the end is an empty page, not an error.
        assert_eq!(ok(&page(50, 2).await)["list"], json!([]));
        for (cursor, size) in [(0, 0), (0, 101), (-1, 10), (0, -5)] {
            fails(&page(cursor, size).await, 40035, None);
        }
        fails(&app.topapi(&t, "/topapi/v2/user/list", json!({"dept_id": 1, "cursor": 0})).await, 400002, None);
        fails(&app.topapi(&t, "/topapi/v2/user/list", json!({"dept_id": 999, "cursor": 0, "size": 10})).await, 60003, None);
        fails(&app.topapi(&t, "/topapi/v2/user/list", json!({"dept_id": 1, "cursor": 0, "size": 10, "order_field": "bogus"})).await, 40035, None);
        let by_dept = app.topapi(&t, "/topapi/v2/user/list", json!({"dept_id": 200, "cursor": 0, "size": 100, "order_field": "entry_asc"})).await;
        assert_eq!(ok(&by_dept)["list"][0]["dept_order"], 5);
        // The count follows; only_active counts the activated.
        assert_eq!(ok(&app.topapi(&t, "/topapi/user/count", json!({"only_active": true})).await)["count"], 7);
    }

    async fn points_fields_and_orgs_bound_what_an_app_reads(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // HR holds none of the directory points: 88 wrapping 60011.
        let hr = app.token_value(ACME, HR).await;
        fails(&app.topapi(&hr, "/topapi/v2/user/get", json!({"userid": "bob"})).await, 88, Some("60011"));
        fails(&app.topapi(&hr, "/topapi/v2/department/listsub", json!({})).await, 88, Some("60011"));
        // Tokens: none, unknown.
        fails(&app.send(app.http.post(format!("{}/topapi/v2/user/get", app.base)).json(&json!({"userid": "bob"}))).await, 88, Some("40000"));
        fails(&app.topapi("0123456789abcdef0123456789abcdef", "/topapi/v2/user/get", json!({"userid": "bob"})).await, 88, Some("40014"));

        // An internal app with the member point but no field point sees no mobile or e-mail.
        for point in ["qyapi_get_member"] {
            let r = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/points/{point}", HR.0))).await;
            assert!(r.status < 300, "{}", r.body);
        }
        let hr = app.token_value(ACME, HR).await;
        let a = app.topapi(&hr, "/topapi/v2/user/get", json!({"userid": "alice"})).await;
        let a = ok(&a);
        for absent in ["mobile", "state_code", "email", "org_email", "work_place", "remark", "extension"] {
            assert!(a.get(absent).is_none(), "{absent} without its field point: {a}");
        }
        assert_eq!(a["hired_date"], 1577836800000_i64, "not gated by a field point for internal apps");

        // A third-party app, installed by Globex with every point granted: Globex's members only,
        // and never the fields DingTalk keeps from third-party apps.
        for point in ["qyapi_get_member", "qyapi_get_member_by_mobile", "fieldMobile", "fieldEmail"] {
            let r = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/points/{point}", TRAVEL.0))).await;
            assert!(r.status < 300, "{}", r.body);
        }
        let g = app.send(app.admin(reqwest::Method::POST, &format!("/apps/{}/installations/{GLOBEX}/grants", TRAVEL.0)).json(&json!({"points": ["qyapi_get_member", "qyapi_get_member_by_mobile", "fieldMobile", "fieldEmail"]}))).await;
        assert!(g.status < 300, "{}", g.body);
        let travel = app.token_value(GLOBEX, TRAVEL).await;
        let carol = app.topapi(&travel, "/topapi/user/getbyunionid", json!({"unionid": CAROL.0})).await;
        let carol_id = ok(&carol)["userid"].as_str().unwrap().to_owned();
        assert_eq!(carol_id, opending_domain::user::userid(&opending_domain::CorpId::parse(GLOBEX).unwrap(), &opending_domain::UnionId::parse(CAROL.0).unwrap()), "a derived userid");
        let alice_in_globex = app.topapi(&travel, "/topapi/user/getbyunionid", json!({"unionid": ALICE.0})).await;
        let alice_id = ok(&alice_in_globex)["userid"].as_str().unwrap().to_owned();
        assert_ne!(alice_id, "alice", "userids are per org");
        let a = app.topapi(&travel, "/topapi/v2/user/get", json!({"userid": alice_id})).await;
        let a = ok(&a);
        for absent in ["mobile", "state_code", "email", "telephone", "hired_date", "org_email"] {
            assert!(a.get(absent).is_none(), "{absent} shown to a third-party app: {a}");
        }
        // Acme's members do not exist for a Globex token.
        fails(&app.topapi(&travel, "/topapi/user/getbyunionid", json!({"unionid": BOB.0})).await, 60121, None);
        fails(&app.topapi(&travel, "/topapi/v2/user/get", json!({"userid": "bob"})).await, 60121, None);
        // Finding by mobile is for internal apps only.
        fails(&app.topapi(&travel, "/topapi/v2/user/getbymobile", json!({"mobile": "13800000001"})).await, 88, Some("60011"));

        // A member who leaves is gone from the directory at once.
        let t = app.token_value(ACME, DIR).await;
        let r = app.send(app.admin(reqwest::Method::DELETE, &format!("/orgs/{ACME}/members/{}", BOB.0))).await;
        assert!(r.status < 300, "{}", r.body);
        fails(&app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "bob"})).await, 60121, None);
        assert_eq!(ok(&app.topapi(&t, "/topapi/user/listid", json!({"dept_id": 101})).await)["userid_list"], json!([]));
    }

    async fn seed_files_declare_the_directory_and_refuse_a_broken_one(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let apply = |doc: Value| app.send(app.admin(reqwest::Method::POST, "/apply").json(&doc));
        // Applying the world again changes nothing.
        let again = apply(serde_yaml_ng::from_str::<Value>(&std::fs::read_to_string(world_seed()).unwrap()).unwrap()).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body["created"], json!([]), "{}", again.body);
        assert_eq!(again.body["updated"], json!([]), "{}", again.body);
        // Moving a department under its own child, an unknown parent, a duplicate userid, a
        // seat in a department that does not exist, an extension that is not an object.
        let org = |departments: Value| json!({"orgs": [{"corpId": ACME, "name": "Acme Corp", "departments": departments}]});
        for (doc, says) in [
            (json!({"users": [{"unionId": "twinOfBob0000000000001", "login": "twin", "password": "twin-password-1", "nick": "Twin", "mobile": "13800000002", "orgs": [{"corpId": ACME}]}]}), "mobile"),
            (org(json!([{"deptId": 100, "name": "研发部", "parentId": 101}])), "descendant"),
            (org(json!([{"deptId": 300, "name": "X", "parentId": 299}])), "does not exist"),
            (org(json!([{"deptId": 1, "name": "Root"}])), "greater than 1"),
            (org(json!([{"deptId": 300, "name": "  "}])), "must not be empty"),
            (json!({"users": [{"unionId": BOB.0, "login": "bob", "password": "bob-password-2", "nick": "Bob Li", "orgs": [{"corpId": ACME, "userid": "alice"}]}]}), "another member"),
            (json!({"users": [{"unionId": BOB.0, "login": "bob", "password": "bob-password-2", "nick": "Bob Li", "orgs": [{"corpId": ACME, "departments": [{"deptId": 999}]}]}]}), "999"),
            (json!({"users": [{"unionId": BOB.0, "login": "bob", "password": "bob-password-2", "nick": "Bob Li", "orgs": [{"corpId": ACME, "extension": "[1]"}]}]}), "extension"),
        ] {
            let r = apply(doc.clone()).await;
            let want = if says == "mobile" { 409 } else { 400 };
            assert_eq!(r.status, want, "{doc}: {}", r.body);
            assert!(r.body["message"].as_str().unwrap().contains(says), "{doc}: {}", r.body);
        }
        // Nothing of the refused documents stayed: the tree is as the world has it.
        let t = app.token_value(ACME, DIR).await;
        let ids = app.topapi(&t, "/topapi/v2/department/listsubid", json!({"dept_id": 1})).await;
        assert_eq!(ok(&ids), &json!({"dept_id_list": [100, 200]}));
        assert_eq!(ok(&app.topapi(&t, "/topapi/user/getbyunionid", json!({"unionid": BOB.0})).await)["userid"], "bob");
    }

    async fn the_admin_api_edits_moves_and_removes_departments_and_profiles(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let admin = |m: reqwest::Method, p: &str| app.admin(m, &format!("/orgs/{ACME}{p}"));
        let list = app.send(admin(reqwest::Method::GET, "/departments")).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.body.as_array().unwrap().len(), 3);
        let put = |id: i64, body: Value| app.send(admin(reqwest::Method::PUT, &format!("/departments/{id}")).json(&body));
        let r = put(300, json!({"name": "销售部", "parentId": 200, "order": 3})).await;
        assert_eq!((r.status, r.body["parentId"].as_i64()), (200, Some(200)), "{}", r.body);
        let t = app.token_value(ACME, DIR).await;
        assert_eq!(ok(&app.topapi(&t, "/topapi/v2/department/listsubid", json!({"dept_id": 200})).await)["dept_id_list"], json!([300]));
        // A move: 101 under 300; under its own descendant is refused.
        assert_eq!(put(101, json!({"name": "平台组", "parentId": 300})).await.status, 200);
        let paths = app.topapi(&t, "/topapi/v2/department/listparentbyuser", json!({"userid": "bob"})).await;
        assert_eq!(ok(&paths)["parent_list"][0], json!({"parent_dept_id_list": [101, 300, 200, 1]}));
        let cycle = put(200, json!({"name": "市场部", "parentId": 101})).await;
        assert_eq!(cycle.status, 400, "{}", cycle.body);
        assert!(put(1, json!({"name": "Root"})).await.status == 400);
        assert_eq!(put(400, json!({"name": "X", "parentId": 999})).await.status, 400);
        assert_eq!(app.send(app.admin(reqwest::Method::PUT, "/orgs/dingnosuchorg/departments/500").json(&json!({"name": "X"}))).await.status, 404);
        // Removing: refused while it has departments under it or members.
        let del = |id: i64| app.send(admin(reqwest::Method::DELETE, &format!("/departments/{id}")));
        assert_eq!(del(300).await.status, 409);
        assert_eq!(del(101).await.status, 409, "Bob sits in 101");
        assert_eq!(del(999).await.status, 404);
        // Profiles: Bob moves to 100 with a new title; 101 can then go.
        let p = app.send(admin(reqwest::Method::PATCH, &format!("/members/{}/profile", BOB.0)).json(&json!({"title": "Staff Engineer", "departments": [{"deptId": 100, "order": 2}]}))).await;
        assert_eq!((p.status, p.body["title"].as_str(), p.body["userid"].as_str()), (200, Some("Staff Engineer"), Some("bob")), "{}", p.body);
        assert_eq!(del(101).await.status, 204);
        assert_eq!(del(300).await.status, 204);
        let u = app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "bob"})).await;
        assert_eq!((ok(&u)["title"].as_str(), ok(&u)["dept_id_list"].clone()), (Some("Staff Engineer"), json!([100])));
        // Another member's userid, an unknown department, a non-member, a bad field.
        for (body, status) in [
            (json!({"userid": "alice"}), 409),
            (json!({"departments": [{"deptId": 101}]}), 400),
            (json!({"extension": "not json"}), 400),
            (json!({"hiredDate": "yesterday"}), 400),
        ] {
            let r = app.send(admin(reqwest::Method::PATCH, &format!("/members/{}/profile", BOB.0)).json(&body)).await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
        }
        assert_eq!(app.send(admin(reqwest::Method::PATCH, &format!("/members/{}/profile", CAROL.0)).json(&json!({"title": "x"}))).await.status, 404);
        let shown = app.send(admin(reqwest::Method::GET, &format!("/members/{}/profile", BOB.0))).await;
        assert_eq!(shown.body["seats"], json!([{"deptId": 100, "order": 2, "leader": false}]), "{}", shown.body);
        // A new userid is what the directory answers from then on.
        let p = app.send(admin(reqwest::Method::PATCH, &format!("/members/{}/profile", BOB.0)).json(&json!({"userid": "bob.li"}))).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert_eq!(ok(&app.topapi(&t, "/topapi/user/getbyunionid", json!({"unionid": BOB.0})).await)["userid"], "bob.li");
        fails(&app.topapi(&t, "/topapi/v2/user/get", json!({"userid": "bob"})).await, 60121, None);
    }
}
