//! The registration URL of a declaration, its QR code (decoded with a real
//! QR decoder) and its poster, on a running server, on SQLite and PostgreSQL.

mod common;

use common::{Backend, TestApp, seed};

fn decode_png(bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (_, content) = grids[0].decode().expect("decodes");
    content
}

async fn get(app: &TestApp, path: &str, accept_language: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut req = app.client.get(format!("{}{path}", app.root));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, content_type, r.bytes().await.unwrap().to_vec())
}

async fn qr_code_and_pages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let d = app.service.declaration(&ciao_domain::DeclarationNumber::parse(&w.d1).unwrap()).await.unwrap();
    let url = app.service.registration_url(&d);
    assert_eq!(url, format!("{}/r/{}", app.root, d.technical_number));
    assert!(d.technical_number.len() >= 16);

    // The PNG holds the registration URL.
    let (status, content_type, png) = get(&app, &format!("/r/{}/qr.png", d.technical_number), None).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert_eq!(decode_png(&png), url);
    // The SVG too is a QR code.
    let (status, content_type, svg) = get(&app, &format!("/r/{}/qr.svg", d.technical_number), None).await;
    assert_eq!((status, content_type.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));

    // The workplace page, in the visitor's language.
    let (status, content_type, page) = get(&app, &format!("/r/{}", d.technical_number), Some("fr-BE,fr;q=0.9")).await;
    assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"));
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(page.contains("Tour Nord") && page.contains(&w.d1) && page.contains("Nettoyage"), "{page}");
    assert!(page.contains("Rue du Progrès 1, 1000 Bruxelles"), "{page}");
    for lang in ["nl", "fr", "de", "en"] {
        let (status, _, page) = get(&app, &format!("/r/{}?lang={lang}", d.technical_number), Some("fr")).await;
        assert_eq!(status, 200);
        assert!(String::from_utf8(page).unwrap().contains(&format!("<html lang=\"{lang}\">")));
    }

    // The poster: site, number, the QR code and the instructions in four languages.
    let (status, _, poster) = get(&app, &format!("/r/{}/poster", d.technical_number), None).await;
    assert_eq!(status, 200);
    let poster = String::from_utf8(poster).unwrap();
    assert!(poster.contains("Tour Nord") && poster.contains(&w.d1) && poster.contains(&url));
    assert!(poster.contains("@page{size:A4"));
    assert!(poster.contains("<svg"));
    for text in ["Scan deze QR-code", "Scannez ce code QR", "Scannen Sie diesen QR-Code", "Scan this QR code"] {
        assert!(poster.contains(text), "poster lacks {text}");
    }

    // Unknown or malformed technical numbers: 404, in the visitor's language.
    for path in ["/r/ABCDEFGHJKLMNPQRSTUVWXYZ23", "/r/short", "/r/ABCDEFGHJKLMNPQRSTUVWXYZ23/qr.png"] {
        let (status, _, body) = get(&app, path, Some("de")).await;
        assert_eq!(status, 404, "{path}");
        assert!(String::from_utf8(body).unwrap().contains("Diesen Arbeitsplatz gibt es nicht"), "{path}");
    }
    // Site names are escaped.
    app.import(
        "declarations",
        &format!(
            "number,sector,site_name,street,house_number,post_code,municipality,latitude,longitude,start_date,end_date,amount_excl_vat,principal,declaring_contractor,subject_to_registration\n\
             3C3005UV7XUUB,meat,<script>alert(1)</script>,Rue,1,1000,Bruxelles,,,2020-01-01,,1000,,{},true\n",
            w.e1
        ),
    )
    .await;
    let d3 = app.service.declaration(&ciao_domain::DeclarationNumber::parse("3C3005UV7XUUB").unwrap()).await.unwrap();
    let (_, _, page) = get(&app, &format!("/r/{}", d3.technical_number), None).await;
    let page = String::from_utf8(page).unwrap();
    assert!(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert(1)"), "{page}");
    app.finish().await;
}
both_backends!(workplace_t, qr_code_and_pages);
