//! KML (Google Earth, Thai agencies' hazard maps) read into GeoJSON, so a KML file goes through
//! the same checks as GeoJSON.
//!
//! Each `Placemark` becomes a feature: its `id` attribute the feature's id, its `name` and its
//! `ExtendedData` (`Data`/`value` or `SchemaData`/`SimpleData`) the properties; a `Polygon`
//! (outer boundary, then inner boundaries as holes) a `Polygon`, several polygons (in a
//! `MultiGeometry`) a `MultiPolygon`, a `Point` a `Point`. A placemark with neither (a line, a
//! model) keeps a null geometry, which the checks then name. Altitudes are dropped. Coordinates
//! that are not numbers are kept as they are written (as strings) so the checks can name them.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value, json};

/// Why a KML text could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("not readable KML: {0}")]
pub struct KmlError(pub String);

#[derive(Default)]
struct Placemark {
    id: Option<String>,
    props: Map<String, Value>,
    polygons: Vec<Vec<Value>>,
    points: Vec<Value>,
}

/// Reads a KML document into a GeoJSON `FeatureCollection`.
pub fn to_geojson(text: &str) -> Result<Value, KmlError> {
    let mut reader = Reader::from_str(text);
    // Not trimmed: text is cut at entity references, and the spaces around them count.
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut features = Vec::new();
    let mut place: Option<Placemark> = None;
    let mut polygon: Vec<Value> = Vec::new();
    let mut data_name: Option<String> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| KmlError(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                let attr = |key: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                match name.as_str() {
                    "Placemark" => {
                        place = Some(Placemark {
                            id: attr("id"),
                            ..Placemark::default()
                        });
                    }
                    "Data" | "SimpleData" => data_name = attr("name"),
                    "Polygon" => polygon.clear(),
                    _ => {}
                }
                path.push(name);
                text_buf.clear();
            }
            Event::Text(t) => text_buf.push_str(&t.xml10_content()),
            Event::CData(c) => text_buf.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => {
                let raw = format!("&{};", &*r);
                match quick_xml::escape::unescape(&raw) {
                    Ok(s) => text_buf.push_str(&s),
                    Err(_) => text_buf.push_str(&raw),
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                let text = std::mem::take(&mut text_buf);
                let Some(p) = place.as_mut() else { continue };
                match name.as_str() {
                    "name" if parent == "Placemark" => {
                        p.props
                            .insert("name".into(), Value::String(text.trim().into()));
                    }
                    "value" if parent == "Data" => {
                        if let Some(k) = &data_name {
                            p.props.insert(k.clone(), Value::String(text.trim().into()));
                        }
                    }
                    "SimpleData" => {
                        if let Some(k) = data_name.take() {
                            p.props.insert(k, Value::String(text.trim().into()));
                        }
                    }
                    "coordinates" => {
                        let positions = positions(&text);
                        if path.iter().any(|n| n == "Polygon") {
                            polygon.push(Value::Array(positions));
                        } else if parent == "Point"
                            && let Some(first) = positions.into_iter().next()
                        {
                            p.points.push(first);
                        }
                    }
                    "Polygon" => p.polygons.push(std::mem::take(&mut polygon)),
                    "Placemark" => {
                        let p = place.take().expect("inside a placemark");
                        features.push(feature(p));
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(KmlError(format!("<{}> is not closed", path.join("><"))));
    }
    Ok(json!({ "type": "FeatureCollection", "features": features }))
}

/// `lon,lat[,alt]` tuples separated by white space, as `[lon, lat]` positions.
fn positions(text: &str) -> Vec<Value> {
    text.split_whitespace()
        .map(|tuple| {
            let mut parts = tuple.split(',');
            let mut coord = || {
                let s = parts.next().unwrap_or("").trim();
                s.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(s.into()), Value::Number)
            };
            let (lon, lat) = (coord(), coord());
            Value::Array(vec![lon, lat])
        })
        .collect()
}

fn feature(p: Placemark) -> Value {
    let geometry = match (p.polygons.len(), p.points.first()) {
        (1, _) => json!({"type": "Polygon", "coordinates": p.polygons[0]}),
        (n, _) if n > 1 => json!({"type": "MultiPolygon", "coordinates": p.polygons}),
        (_, Some(pt)) => json!({"type": "Point", "coordinates": pt}),
        _ => Value::Null,
    };
    let mut f = json!({"type": "Feature", "properties": p.props, "geometry": geometry});
    if let Some(id) = p.id {
        f["id"] = Value::String(id);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const KML: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
  <Placemark id="valley">
    <name>ที่ลุ่ม &amp; ริมน้ำ</name>
    <ExtendedData><Data name="kind"><value>น้ำท่วม</value></Data><Data name="severity"><value>3</value></Data></ExtendedData>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>
      100.7,18.7,0 100.8,18.7,0 100.8,18.8,0 100.7,18.8,0 100.7,18.7,0
    </coordinates></LinearRing></outerBoundaryIs>
    <innerBoundaryIs><LinearRing><coordinates>100.74,18.74 100.76,18.74 100.76,18.76 100.74,18.74</coordinates></LinearRing></innerBoundaryIs></Polygon>
  </Placemark>
  <Placemark><name>two slopes</name>
    <ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="kind">landslide</SimpleData></SchemaData></ExtendedData>
    <MultiGeometry>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>100,18 100.1,18 100.1,18.1 100,18</coordinates></LinearRing></outerBoundaryIs></Polygon>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>101,18 101.1,18 101.1,18.1 101,18</coordinates></LinearRing></outerBoundaryIs></Polygon>
    </MultiGeometry>
  </Placemark>
  <Placemark><name><![CDATA[สะพาน]]></name><Point><coordinates>100.75,18.75,12</coordinates></Point></Placemark>
  <Placemark><name>a road</name><LineString><coordinates>100,18 101,19</coordinates></LineString></Placemark>
</Folder></Document></kml>"##;

    #[test]
    fn placemarks_become_features() {
        let fc = to_geojson(KML).unwrap();
        let f = fc["features"].as_array().unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[0]["id"], "valley");
        assert_eq!(f[0]["properties"]["name"], "ที่ลุ่ม & ริมน้ำ");
        assert_eq!(f[0]["properties"]["kind"], "น้ำท่วม");
        assert_eq!(f[0]["properties"]["severity"], "3");
        assert_eq!(f[0]["geometry"]["type"], "Polygon");
        let rings = f[0]["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(rings.len(), 2, "outer boundary and a hole");
        assert_eq!(rings[0][0], json!([100.7, 18.7]), "altitude dropped");
        assert_eq!(f[1]["properties"]["kind"], "landslide");
        assert_eq!(f[1]["geometry"]["type"], "MultiPolygon");
        assert_eq!(f[2]["properties"]["name"], "สะพาน");
        assert_eq!(
            f[2]["geometry"],
            json!({"type": "Point", "coordinates": [100.75, 18.75]})
        );
        assert_eq!(
            f[3]["geometry"],
            Value::Null,
            "a line is kept for the checks to name"
        );
        // The polygons are valid zones for the engine.
        let zones = crate::zones::ZoneSet::from_geojson(
            &json!({"type": "FeatureCollection", "features": &f[..2]}).to_string(),
        )
        .unwrap();
        let mut hits = Vec::new();
        zones.zones_at(100.71, 18.71, &mut hits);
        assert_eq!(hits, [0]);
        hits.clear();
        zones.zones_at(100.75, 18.745, &mut hits);
        assert!(hits.is_empty(), "inside the hole");
    }

    #[test]
    fn broken_kml_is_refused() {
        assert!(to_geojson("<kml><Document><Placemark>").is_err());
        assert!(to_geojson("<kml></Document>").is_err());
        // A coordinate that is not a number is kept for the checks to name.
        let fc = to_geojson(
            "<kml><Placemark><Point><coordinates>abc,18</coordinates></Point></Placemark></kml>",
        )
        .unwrap();
        assert_eq!(fc["features"][0]["geometry"]["coordinates"][0], "abc");
    }
}
