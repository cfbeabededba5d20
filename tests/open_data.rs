//! Open data as reusers meet it: the CSV opened by double-click in a French Excel (UTF-8 byte
//! order mark, `;` separator), the standard CSV read with its Table Schema, the licence in the
//! files and on the site, and the page « Données ouvertes ».

mod common;

use std::path::Path;

use common::TestSite;

/// Cells of a CSV, read as Excel does once it knows the separator: fields in double quotes may
/// hold the separator, quotes (doubled) and line breaks; records end with CRLF or LF.
fn parse_csv(text: &str, separator: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if cell.is_empty() => quoted = true,
            c if c == separator && !quoted => row.push(std::mem::take(&mut cell)),
            '\r' if !quoted && chars.peek() == Some(&'\n') => {}
            '\n' if !quoted => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let at = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column « {name} »: {:?}", rows[0]));
    rows[1..].iter().map(|r| r[at].as_str()).collect()
}

fn read(out: &Path, file: &str) -> Vec<u8> {
    std::fs::read(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn the_excel_csv_opens_in_french_excel_with_accents_columns_and_leading_zeros() {
    let (_dir, out, _) = common::build_repo_guide();
    let bytes = read(&out, "projets-excel.csv");
    // Excel reads UTF-8 only after a byte order mark (else Windows-1252: « prÃ©vention »).
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 BOM")).unwrap();
    // A French Excel splits on `;` (the list separator of the French regional settings).
    let rows = parse_csv(text, ';');
    assert!(rows.len() > 10, "{} rows", rows.len());
    let width = rows[0].len();
    assert!(width > 20, "one column per field: {:?}", rows[0]);
    for row in &rows {
        assert_eq!(
            row.len(),
            width,
            "every row has the header's columns: {row:?}"
        );
    }
    assert!(column(&rows, "themes")
        .iter()
        .any(|t| t.contains("Santé au travail et prévention")));
    // Excel would read 07 as the number 7: the cell is a formula giving the text "07".
    let departements = column(&rows, "entreprise.departement");
    assert!(departements.contains(&"=\"07\""), "{departements:?}");
    assert!(departements.contains(&"38") || departements.contains(&"69"));
    // One column per value of each indicator; decimals with a comma.
    let libelles = column(&rows, "indicateurs.1.libelle");
    assert!(libelles.iter().any(|l| !l.is_empty()), "{libelles:?}");
    for value in column(&rows, "indicateurs.1.avant") {
        assert!(
            value.is_empty() || value.replace(',', "").parse::<f64>().is_ok(),
            "« {value} » is a number for a French Excel"
        );
        assert!(!value.contains('.'), "« {value} »: a decimal comma");
    }
    assert!(
        !text.contains("libelle : "),
        "no indicator packed in one cell"
    );
}

#[test]
fn the_standard_csv_matches_its_table_schema() {
    let (_dir, out, _) = common::build_repo_guide();
    let bytes = read(&out, "projets.csv");
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "RFC 4180: no BOM");
    let rows = parse_csv(std::str::from_utf8(&bytes).unwrap(), ',');
    let schema: serde_json::Value =
        serde_json::from_slice(&read(&out, "projets.schema.json")).unwrap();
    let fields = schema["fields"].as_array().expect("fields");
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names, rows[0],
        "the schema describes the CSV's columns, in order"
    );
    for (i, field) in fields.iter().enumerate() {
        let name = field["name"].as_str().unwrap();
        let kind = field["type"].as_str().unwrap();
        assert!(
            field["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name} has a description"
        );
        for row in &rows[1..] {
            let value = row[i].as_str();
            if value.is_empty() {
                continue;
            }
            let ok = match kind {
                "string" => true,
                "integer" => value.parse::<i64>().is_ok(),
                "number" => value.parse::<f64>().is_ok(),
                "boolean" => value == "true" || value == "false",
                "date" => value.len() == 10 && value.as_bytes()[4] == b'-',
                other => panic!("{name}: unexpected type {other}"),
            };
            assert!(ok, "{name} ({kind}): « {value} »");
        }
    }
    let departement = fields
        .iter()
        .find(|f| f["name"] == "entreprise.departement")
        .unwrap();
    assert_eq!(departement["type"], "string", "keeps its leading zero");
    assert!(column(&rows, "entreprise.departement").contains(&"07"));
    let effectif = fields
        .iter()
        .find(|f| f["name"] == "entreprise.effectif")
        .unwrap();
    assert_eq!(effectif["type"], "integer");
    assert_eq!(effectif["constraints"]["minimum"], 1);
    assert_eq!(
        fields
            .iter()
            .find(|f| f["name"] == "indicateurs.1.avant")
            .unwrap()["type"],
        "number"
    );
    assert!(schema["missingValues"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("")));
}

#[test]
fn the_licence_is_stated_in_the_files_and_on_the_open_data_page() {
    let (_dir, out, _) = common::build_repo_guide();
    let json: serde_json::Value = serde_json::from_slice(&read(&out, "projets.json")).unwrap();
    assert_eq!(
        json["licence"]["nom"],
        "Licence Ouverte / Open Licence version 2.0"
    );
    assert_eq!(
        json["licence"]["url"],
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    );
    let package: serde_json::Value =
        serde_json::from_slice(&read(&out, "datapackage.json")).unwrap();
    assert_eq!(package["licenses"][0]["name"], "etalab-2.0");
    let resources: Vec<&str> = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        resources,
        ["projets.csv", "projets-excel.csv", "projets.json"]
    );
    assert_eq!(package["resources"][0]["schema"], "projets.schema.json");
    assert_eq!(package["resources"][1]["dialect"]["delimiter"], ";");

    let page = std::fs::read_to_string(out.join("donnees-ouvertes/index.html")).unwrap();
    let main = common::main_of(&page);
    assert!(main.contains("<h1"), "{main}");
    assert!(main.contains("Données ouvertes"), "{main}");
    assert!(main.contains("Licence Ouverte"), "{main}");
    for file in [
        "/projets.csv",
        "/projets-excel.csv",
        "/projets.json",
        "/projets.schema.json",
    ] {
        assert!(main.contains(&format!("href=\"{file}\"")), "{file}: {main}");
    }
    // The fields, described from guide.yaml.
    assert!(main.contains("entreprise.departement"), "{main}");
    assert!(main.contains("Code INSEE du département"), "{main}");
    assert!(main.contains("indicateurs.1.libelle"), "{main}");
    // Known to the sitemap and reached from every page's footer.
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("/donnees-ouvertes/</loc>"), "{sitemap}");
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    let footer = &home[home.find("<footer").unwrap()..];
    assert!(footer.contains("href=\"/donnees-ouvertes/\""), "{footer}");
}

#[test]
fn the_licence_of_guide_yaml_replaces_the_default_and_a_site_without_page_builds() {
    let site = TestSite::new("basic");
    let config = std::fs::read_to_string(site.path("guide.yaml")).unwrap();
    site.write(
        "guide.yaml",
        &config.replace(
            "    name: projets\n",
            "    name: projets\n    licence:\n      name: Creative Commons BY 4.0\n      url: https://creativecommons.org/licenses/by/4.0/deed.fr\n      id: CC-BY-4.0\n",
        ),
    );
    site.build();
    let json: serde_json::Value = serde_json::from_str(&site.output("projets.json")).unwrap();
    assert_eq!(json["licence"]["nom"], "Creative Commons BY 4.0");
    let package: serde_json::Value =
        serde_json::from_str(&site.output("datapackage.json")).unwrap();
    assert_eq!(package["licenses"][0]["name"], "CC-BY-4.0");
    assert!(
        !site.path("public/donnees-ouvertes").exists(),
        "no page unless reader.open_data.page asks for it"
    );
}
