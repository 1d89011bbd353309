//! TLS for the exporters' clients: rustls with ring, trusting the system's roots
//! or the PEM file in `tls.ca_file`.

use std::sync::Arc;

use hyper_rustls::ConfigBuilderExt;

use crate::config::TlsClientConfig;

/// A rustls client config for HTTPS; roots are loaded only when `https` is true.
pub fn rustls_config(tls: &TlsClientConfig, https: bool) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?;
    let config = if !https {
        builder
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    } else if let Some(path) = &tls.ca_file {
        let mut roots = rustls::RootCertStore::empty();
        for cert in read_pem(path)? {
            roots
                .add(cert)
                .map_err(|e| format!("tls.ca_file {}: {e}", path.display()))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .with_native_roots()
            .map_err(|e| format!("cannot load the system's CA certificates: {e}; set tls.ca_file"))?
            .with_no_client_auth()
    };
    Ok(config)
}

/// The PEM file's certificates as bytes (for tonic).
pub fn read_pem_bytes(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read tls.ca_file {}: {e}", path.display()))
}

fn read_pem(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let certs: Result<Vec<_>, _> = rustls::pki_types::CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read tls.ca_file {}: {e}", path.display()))?
        .collect();
    let certs = certs.map_err(|e| format!("tls.ca_file {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "tls.ca_file {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}
