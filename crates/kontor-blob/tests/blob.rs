//! The blob store contract, on a local directory always and on a real
//! S3-compatible server when KONTOR_TEST_BLOB_URL names one (CI starts
//! SeaweedFS).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use bytes::Bytes;
use kontor_app::ports::{BlobError, BlobRef, BlobStore};
use kontor_blob::ObjectBlobStore;

fn stores(tmp: &std::path::Path) -> Vec<(&'static str, ObjectBlobStore)> {
    let mut out = vec![("local", ObjectBlobStore::local(&tmp.join("blobs")).unwrap())];
    if let Ok(base) = std::env::var("KONTOR_TEST_BLOB_URL") {
        let (head, query) = base.split_once('?').unwrap_or((&base, ""));
        let url = format!(
            "{}/{}?{query}",
            head.trim_end_matches('/'),
            uuid::Uuid::new_v4().simple()
        );
        out.push(("s3", ObjectBlobStore::from_url(&url).unwrap()));
    } else if std::env::var("KONTOR_REQUIRE_S3").is_ok_and(|v| v == "1") {
        panic!("KONTOR_REQUIRE_S3=1 but KONTOR_TEST_BLOB_URL is not set");
    }
    out
}

#[tokio::test]
async fn put_get_list_and_deduplicate() {
    let tmp = tempfile::tempdir().unwrap();
    for (label, s) in stores(tmp.path()) {
        let a = s.put(Bytes::from_static(b"Rechnung 2026-0001")).await.unwrap();
        let b = s.put(Bytes::from_static(b"Kontoauszug")).await.unwrap();
        let again = s.put(Bytes::from_static(b"Rechnung 2026-0001")).await.unwrap();
        assert_eq!(a, again, "{label}: same content, same name");
        assert_eq!(a, BlobRef::of(b"Rechnung 2026-0001"));
        assert_eq!(
            s.get(&a).await.unwrap(),
            Bytes::from_static(b"Rechnung 2026-0001"),
            "{label}"
        );
        assert!(s.exists(&b).await.unwrap());
        let mut expected = vec![a.clone(), b.clone()];
        expected.sort();
        assert_eq!(s.list().await.unwrap(), expected, "{label}");
        let missing = BlobRef::of(b"nie gespeichert");
        assert!(!s.exists(&missing).await.unwrap());
        assert!(matches!(s.get(&missing).await, Err(BlobError::NotFound(_))), "{label}");
    }
}

#[tokio::test]
async fn a_damaged_object_is_reported_not_served() {
    let tmp = tempfile::tempdir().unwrap();
    let s = ObjectBlobStore::local(&tmp.path().join("blobs")).unwrap();
    let r = s.put(Bytes::from_static(b"original")).await.unwrap();
    let path = tmp.path().join("blobs/objects").join(&r.as_str()[..2]).join(r.as_str());
    std::fs::write(&path, b"tampered").unwrap();
    assert!(matches!(s.get(&r).await, Err(BlobError::Damaged(_))));
}

#[test]
fn bad_urls_are_explained() {
    let e = ObjectBlobStore::from_url("ftp://x").err().unwrap();
    assert!(e.to_string().contains("use file:// or s3://"), "{e}");
    let e = ObjectBlobStore::from_url("s3://bucket?color=blue").err().unwrap();
    assert!(e.to_string().contains("unknown"), "{e}");
}
