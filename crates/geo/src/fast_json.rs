//! The quick way to read well-formed GeoJSON: typed deserialisation straight into rings of
//! positions, never building a `serde_json::Value` tree of every coordinate (on a province's
//! zones that tree is several times the file's size, and fresh memory is what costs most here).
//! Anything unusual — a structure error, a geometry that is not a polygon, a missing geometry —
//! makes it give up and [`crate::zones::parse_geojson`] reads the text again the careful way,
//! which names the feature at fault. Both ways give the same zones for the inputs this one
//! accepts.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use crate::polygon::Pt;
use crate::zones::{ZoneInput, id_text};

/// Nested coordinate arrays: a position, a list of positions (a ring), or a list of those.
enum Tree {
    Pos(Pt),
    Ring(Vec<Pt>),
    List(Vec<Tree>),
}

/// One element of a coordinate array: a number or a nested array.
enum Elem {
    Num(f64),
    Tree(Tree),
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("nested coordinate arrays")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        match seq.next_element::<Elem>()? {
            None => Ok(Tree::List(Vec::new())),
            Some(Elem::Num(x)) => match seq.next_element::<Elem>()? {
                Some(Elem::Num(y)) => {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Tree::Pos([x, y]))
                }
                _ => Err(de::Error::custom("a position needs two numbers")),
            },
            Some(Elem::Tree(Tree::Pos(p))) => {
                let mut ring = Vec::with_capacity(seq.size_hint().unwrap_or(64) + 1);
                ring.push(p);
                while let Some(e) = seq.next_element::<Elem>()? {
                    match e {
                        Elem::Tree(Tree::Pos(p)) => ring.push(p),
                        _ => return Err(de::Error::custom("mixed positions and arrays")),
                    }
                }
                Ok(Tree::Ring(ring))
            }
            Some(Elem::Tree(first)) => {
                let mut list = vec![first];
                while let Some(e) = seq.next_element::<Elem>()? {
                    match e {
                        Elem::Tree(t @ (Tree::Ring(_) | Tree::List(_))) => list.push(t),
                        _ => return Err(de::Error::custom("mixed arrays")),
                    }
                }
                Ok(Tree::List(list))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(TreeVisitor)
    }
}

struct ElemVisitor;

impl<'de> Visitor<'de> for ElemVisitor {
    type Value = Elem;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or an array")
    }

    fn visit_f64<E>(self, v: f64) -> Result<Elem, E> {
        Ok(Elem::Num(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Elem, E> {
        Ok(Elem::Num(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Elem, E> {
        Ok(Elem::Num(v as f64))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Elem, A::Error> {
        TreeVisitor.visit_seq(seq).map(Elem::Tree)
    }
}

impl<'de> Deserialize<'de> for Elem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ElemVisitor)
    }
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Option<Tree>,
}

#[derive(Deserialize)]
struct Properties {
    id: Option<Value>,
}

#[derive(Deserialize)]
struct Feature {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<Value>,
    properties: Option<Properties>,
    geometry: Option<Geometry>,
}

/// Any of the three accepted documents.
#[derive(Deserialize)]
struct Doc {
    #[serde(rename = "type")]
    kind: Option<String>,
    features: Option<Vec<Feature>>,
    id: Option<Value>,
    properties: Option<Properties>,
    geometry: Option<Geometry>,
    coordinates: Option<Tree>,
}

fn polygon(t: Tree) -> Option<Vec<Vec<Pt>>> {
    match t {
        Tree::List(rings) => rings
            .into_iter()
            .map(|r| match r {
                Tree::Ring(r) => Some(r),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn geometry(g: Geometry) -> Option<Vec<Vec<Vec<Pt>>>> {
    match (g.kind.as_str(), g.coordinates?) {
        ("Polygon", t) => Some(vec![polygon(t)?]),
        ("MultiPolygon", Tree::List(parts)) if !parts.is_empty() => {
            parts.into_iter().map(polygon).collect()
        }
        _ => None,
    }
}

fn feature(index: usize, f: Feature) -> Option<ZoneInput> {
    if f.kind.as_deref() != Some("Feature") {
        return None;
    }
    let id =
        f.id.as_ref()
            .and_then(id_text)
            .or_else(|| f.properties.as_ref()?.id.as_ref().and_then(id_text));
    Some(ZoneInput {
        id: id.unwrap_or_else(|| index.to_string()),
        polygons: geometry(f.geometry?)?,
    })
}

/// The zones of well-formed GeoJSON, or `None` to have it read the careful way.
pub(crate) fn parse(text: &str) -> Option<Vec<ZoneInput>> {
    let doc: Doc = serde_json::from_str(text).ok()?;
    match doc.kind.as_deref()? {
        "FeatureCollection" => doc
            .features?
            .into_iter()
            .enumerate()
            .map(|(i, f)| feature(i, f))
            .collect(),
        "Feature" => Some(vec![feature(
            0,
            Feature {
                kind: doc.kind,
                id: doc.id,
                properties: doc.properties,
                geometry: doc.geometry,
            },
        )?]),
        "Polygon" | "MultiPolygon" => Some(vec![ZoneInput {
            id: "0".into(),
            polygons: geometry(Geometry {
                kind: doc.kind?,
                coordinates: doc.coordinates,
            })?,
        }]),
        _ => None,
    }
}
