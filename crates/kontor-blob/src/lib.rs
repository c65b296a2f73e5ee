//! kontor-blob: the blob store adapter.
//!
//! Main design decision: objects are content-addressed (named by the SHA-256
//! of their bytes) and written once, through the `object_store` crate, so the
//! same code serves a local directory and S3-compatible storage. An object
//! is verified against its name on every read: damage is reported, never
//! served.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use kontor_app::ports::{BlobError, BlobRef, BlobStore};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

pub struct ObjectBlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
    /// Local files support create-only writes; S3 gateways vary, and since
    /// names are content hashes an overwrite writes identical bytes.
    put_mode: PutMode,
}

fn backend(e: object_store::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

fn object_path(blob: &BlobRef) -> ObjPath {
    let h = blob.as_str();
    ObjPath::from(format!("objects/{}/{}", &h[..2], h))
}

impl ObjectBlobStore {
    /// Blobs in a local directory (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| BlobError::Backend(format!("cannot create blob directory {}: {e}", dir.display())))?;
        let fs = LocalFileSystem::new_with_prefix(dir).map_err(backend)?;
        Ok(Self {
            inner: Arc::new(fs),
            description: format!("file://{}", dir.display()),
            put_mode: PutMode::Create,
        })
    }

    /// Blobs at a URL: `file:///path` or
    /// `s3://bucket[/prefix]?endpoint=http://host:port&region=…&allow_http=true`.
    /// S3 credentials come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        let parsed =
            url::Url::parse(url).map_err(|e| BlobError::Backend(format!("blob URL '{url}' is not a URL: {e}")))?;
        match parsed.scheme() {
            "file" => {
                let path = parsed
                    .to_file_path()
                    .map_err(|_| BlobError::Backend(format!("blob URL '{url}' is not an absolute file path")))?;
                Self::local(&path)
            }
            "s3" => {
                let bucket = parsed
                    .host_str()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| BlobError::Backend(format!("blob URL '{url}' names no bucket (s3://BUCKET/…)")))?;
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region("us-east-1");
                for (k, v) in parsed.query_pairs() {
                    b = match k.as_ref() {
                        "endpoint" => b.with_endpoint(v.to_string()),
                        "region" => b.with_region(v.to_string()),
                        "allow_http" => b.with_allow_http(v == "true"),
                        other => {
                            return Err(BlobError::Backend(format!(
                                "blob URL option '{other}' is unknown; use endpoint, region or allow_http"
                            )))
                        }
                    };
                }
                let s3 = b
                    .build()
                    .map_err(|e| BlobError::Backend(format!("S3 configuration: {e}")))?;
                let prefix = parsed.path().trim_matches('/').to_string();
                let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.as_str()))
                };
                let mut shown = parsed.clone();
                shown.set_query(None);
                Ok(Self {
                    inner,
                    description: shown.to_string(),
                    put_mode: PutMode::Overwrite,
                })
            }
            other => Err(BlobError::Backend(format!(
                "blob URL scheme '{other}' is not supported; use file:// or s3://"
            ))),
        }
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, bytes: Bytes) -> Result<BlobRef, BlobError> {
        let blob = BlobRef::of(&bytes);
        if self.exists(&blob).await? {
            return Ok(blob);
        }
        let opts = PutOptions {
            mode: self.put_mode.clone(),
            ..Default::default()
        };
        match self
            .inner
            .put_opts(&object_path(&blob), PutPayload::from_bytes(bytes), opts)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(blob),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get(&self, blob: &BlobRef) -> Result<Bytes, BlobError> {
        let result = match self.inner.get(&object_path(blob)).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::NotFound(blob.as_str().into())),
            Err(e) => return Err(backend(e)),
        };
        let bytes = result.bytes().await.map_err(backend)?;
        if BlobRef::of(&bytes) != *blob {
            return Err(BlobError::Damaged(blob.as_str().into()));
        }
        Ok(bytes)
    }

    async fn exists(&self, blob: &BlobRef) -> Result<bool, BlobError> {
        match self.inner.head(&object_path(blob)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    async fn list(&self) -> Result<Vec<BlobRef>, BlobError> {
        let prefix = ObjPath::from("objects");
        let metas: Vec<_> = self.inner.list(Some(&prefix)).try_collect().await.map_err(backend)?;
        let mut out: Vec<BlobRef> = metas
            .iter()
            .filter_map(|m| m.location.filename().and_then(BlobRef::parse))
            .collect();
        out.sort();
        Ok(out)
    }

    async fn delete(&self, blob: &BlobRef) -> Result<(), BlobError> {
        match self.inner.delete(&object_path(blob)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}
