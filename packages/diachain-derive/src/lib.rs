//! `#[wire]`: what `#[cw_serde]` derives, with a smaller `Deserialize`.
//!
//! `#[cw_serde]` derives serde's `Serialize` and `Deserialize`, `Clone`, `Debug`, `PartialEq`,
//! schemars' `JsonSchema` and cw-schema's `Schemaifier`, with the serde, schemars and cw-schema
//! paths of `cosmwasm_schema` (and `rename_all = "snake_case"` on enums). `#[wire]` emits the
//! same, except that `Deserialize` is generated here, for JSON only:
//!
//! - a struct (or struct variant) reads a JSON object only. serde's derive also generates a
//!   `visit_seq` (a struct read from an array of its fields in order), a field-identifier type
//!   with its visitor, and a `deserialize_identifier` of the format for each struct; here every
//!   field name is looked up by one shared visitor (`diachain_std::de::Key`) that returns its
//!   index, and each field is read by a helper shared by every field of the same type.
//! - everything a JSON object reads as is unchanged: field and variant names, a missing
//!   `Option` field reads as `None`, `#[serde(default)]`, unknown fields ignored (`#[cw_serde]`
//!   does not deny them), and the errors (unknown variant, missing or duplicate field, invalid
//!   type with the same "expected ..." text) with the same positions.
//!
//! In wasm, serde's derive cost most of each contract's size (see `docs/wasm-sizes.md`).
//! Only the shapes DiaChain uses are supported: structs with named fields (type parameters
//! allowed), and enums of unit, newtype and struct variants; any other shape or serde
//! attribute than `#[serde(default)]` and `#[serde(skip_serializing_if = "..")]` (which only
//! serialization reads; the field must then read back as its default) on a field is a compile
//! error, so that nothing reads differently from what serde's derive would do without notice.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{
    parse_macro_input, parse_quote, Data, DeriveInput, Error, Field, Fields, GenericParam,
    Generics, Ident, Type,
};

/// `#[cw_serde]` with a smaller, JSON-only `Deserialize` (see the crate documentation).
#[proc_macro_attribute]
pub fn wire(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return Error::new(Span::call_site(), "#[wire] takes no arguments")
            .to_compile_error()
            .into();
    }
    let input = parse_macro_input!(item as DeriveInput);
    match expand(input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: DeriveInput) -> syn::Result<TokenStream2> {
    check_container_attrs(&input)?;
    let de = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(_) => struct_impl(&input, &data.fields)?,
            _ => {
                return Err(Error::new_spanned(
                    &input.ident,
                    "#[wire] supports structs with named fields only",
                ))
            }
        },
        Data::Enum(data) => {
            if !input.generics.params.is_empty() {
                return Err(Error::new_spanned(
                    &input.generics,
                    "#[wire] supports enums without generics only",
                ));
            }
            enum_impl(&input, data)?
        }
        Data::Union(_) => return Err(Error::new_spanned(&input.ident, "unions are not supported")),
    };
    let rename_all = match input.data {
        Data::Enum(_) => quote! { #[serde(rename_all = "snake_case")] },
        _ => quote! {},
    };
    Ok(quote! {
        #[derive(
            ::cosmwasm_schema::serde::Serialize,
            ::std::clone::Clone,
            ::std::fmt::Debug,
            ::std::cmp::PartialEq,
            ::cosmwasm_schema::schemars::JsonSchema,
            ::cosmwasm_schema::cw_schema::Schemaifier,
        )]
        #[allow(clippy::derive_partial_eq_without_eq)]
        #[serde(crate = "::cosmwasm_schema::serde")]
        #[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
        #[schemars(crate = "::cosmwasm_schema::schemars")]
        #rename_all
        #input
        #de
    })
}

/// serde attributes `#[wire]` does not implement: refused rather than ignored.
fn check_container_attrs(input: &DeriveInput) -> syn::Result<()> {
    for attr in &input.attrs {
        if attr.path().is_ident("serde") {
            return Err(Error::new_spanned(
                attr,
                "#[wire] does not support container serde attributes",
            ));
        }
    }
    if let Data::Enum(data) = &input.data {
        for v in &data.variants {
            if let Some(attr) = v.attrs.iter().find(|a| a.path().is_ident("serde")) {
                return Err(Error::new_spanned(
                    attr,
                    "#[wire] does not support serde attributes on variants",
                ));
            }
        }
    }
    Ok(())
}

/// What a missing field reads as.
enum Missing {
    /// An error: `missing field`.
    Required,
    /// `Default::default()`: `#[serde(default)]`, or an `Option` (`None`, as serde's derive).
    Default,
}

struct FieldSpec<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    name: String,
    missing: Missing,
}

fn field_spec(field: &Field) -> syn::Result<FieldSpec<'_>> {
    let ident = field.ident.as_ref().expect("named field");
    let (mut default, mut skipped) = (false, None);
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let bare = !meta.input.peek(syn::Token![=]) && !meta.input.peek(syn::token::Paren);
            if meta.path.is_ident("default") && bare {
                default = true;
                Ok(())
            } else if meta.path.is_ident("skip_serializing_if") {
                // Serialization only (serde's derive writes it); reading is unchanged.
                skipped = Some(meta.value()?.parse::<syn::LitStr>()?);
                Ok(())
            } else {
                Err(meta.error(
                    "#[wire] supports only #[serde(default)] and \
                     #[serde(skip_serializing_if = \"..\")] on fields",
                ))
            }
        })?;
    }
    if let Some(path) = skipped {
        if !default && !is_option(&field.ty) {
            return Err(Error::new_spanned(
                path,
                "#[wire]: a field skipped when serializing must read back as its default: \
                 add #[serde(default)]",
            ));
        }
    }
    let missing = if default || is_option(&field.ty) {
        Missing::Default
    } else {
        Missing::Required
    };
    Ok(FieldSpec {
        ident,
        ty: &field.ty,
        name: ident.unraw().to_string(),
        missing,
    })
}

/// `Option<..>` as written (`Option`, `std::option::Option`, `core::option::Option`).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Option" && !s.arguments.is_empty()),
        _ => false,
    }
}

/// serde's `rename_all = "snake_case"` for a variant name.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.char_indices() {
        if i > 0 && ch.is_uppercase() {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// The body of a `visit_map` that builds `path { fields }` (`path` a struct or a variant).
fn visit_map_body(path: TokenStream2, fields: &Ident, specs: &[FieldSpec]) -> TokenStream2 {
    let slots: Vec<Ident> = (0..specs.len())
        .map(|i| format_ident!("__f{}", i))
        .collect();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let tys: Vec<&Type> = specs.iter().map(|s| s.ty).collect();
    let idents: Vec<&Ident> = specs.iter().map(|s| s.ident).collect();
    let indexes: Vec<usize> = (0..specs.len()).collect();
    let values: Vec<TokenStream2> = specs
        .iter()
        .zip(&slots)
        .map(|(s, slot)| {
            let name = &s.name;
            match s.missing {
                Missing::Required => quote! { ::diachain_std::de::take(#slot, #name)? },
                Missing::Default => quote! { #slot.unwrap_or_default() },
            }
        })
        .collect();
    quote! {
        #(let mut #slots: ::std::option::Option<#tys> = ::std::option::Option::None;)*
        while let ::std::option::Option::Some(__key) =
            __map.next_key_seed(::diachain_std::de::Key::field(#fields))?
        {
            match __key {
                #(#indexes => ::diachain_std::de::set(&mut #slots, &mut __map, #names)?,)*
                _ => ::diachain_std::de::skip(&mut __map)?,
            }
        }
        ::std::result::Result::Ok(#path { #(#idents: #values),* })
    }
}

fn struct_impl(input: &DeriveInput, fields: &Fields) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let specs = fields
        .iter()
        .map(field_spec)
        .collect::<syn::Result<Vec<_>>>()?;
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let expecting = format!("struct {ident}");
    let fields_const = format_ident!("__FIELDS");
    let body = visit_map_body(quote! { #ident }, &fields_const, &specs);

    let (_, ty_generics, _) = input.generics.split_for_impl();
    let de_generics = with_de_lifetime(&input.generics);
    let (de_impl_generics, _, de_where) = de_generics.split_for_impl();
    let phantom_types: Vec<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let visitor_generics = &input.generics;
    let (v_impl_generics, v_ty_generics, v_where) = visitor_generics.split_for_impl();

    Ok(quote! {
        const _: () = {
            use ::cosmwasm_schema::serde as __serde;

            const __FIELDS: &[&str] = &[#(#names),*];

            struct __Visitor #v_impl_generics #v_where (
                ::std::marker::PhantomData<fn() -> (#(#phantom_types,)*)>,
            );

            impl #de_impl_generics __serde::de::Visitor<'de> for __Visitor #v_ty_generics #de_where {
                type Value = #ident #ty_generics;

                fn expecting(
                    &self,
                    __f: &mut ::std::fmt::Formatter,
                ) -> ::std::fmt::Result {
                    __f.write_str(#expecting)
                }

                fn visit_map<__A: __serde::de::MapAccess<'de>>(
                    self,
                    mut __map: __A,
                ) -> ::std::result::Result<Self::Value, __A::Error> {
                    #body
                }
            }

            impl #de_impl_generics __serde::Deserialize<'de> for #ident #ty_generics #de_where {
                fn deserialize<__D: __serde::Deserializer<'de>>(
                    __deserializer: __D,
                ) -> ::std::result::Result<Self, __D::Error> {
                    // An object only: serde's derive would also read an array of the fields.
                    __deserializer.deserialize_map(__Visitor(::std::marker::PhantomData))
                }
            }
        };
    })
}

/// The type's generics with `'de` first and `T: Deserialize<'de>` on every type parameter.
fn with_de_lifetime(generics: &Generics) -> Generics {
    let mut g = generics.clone();
    for param in &mut g.params {
        if let GenericParam::Type(t) = param {
            t.bounds
                .push(parse_quote!(::cosmwasm_schema::serde::Deserialize<'de>));
        }
    }
    g.params.insert(0, parse_quote!('de));
    g
}

fn enum_impl(input: &DeriveInput, data: &syn::DataEnum) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let enum_name = ident.unraw().to_string();
    if data.variants.is_empty() {
        return Err(Error::new_spanned(
            ident,
            "#[wire] needs at least one variant",
        ));
    }
    let variant_names: Vec<String> = data
        .variants
        .iter()
        .map(|v| snake_case(&v.ident.unraw().to_string()))
        .collect();
    // Unit variants: (index, variant); newtype variants: one arm each; struct variants: their
    // fields read by one visitor (`__Struct`) for all of them, so that the format's
    // `struct_variant` is instantiated once per enum rather than once per variant.
    let mut units = Vec::new();
    let mut newtypes = Vec::new();
    let mut structs = Vec::new();
    for (i, v) in data.variants.iter().enumerate() {
        let vident = &v.ident;
        match &v.fields {
            Fields::Unit => units.push((i, vident)),
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                if let Some(attr) = f.unnamed[0]
                    .attrs
                    .iter()
                    .find(|a| a.path().is_ident("serde"))
                {
                    return Err(Error::new_spanned(
                        attr,
                        "#[wire]: no serde attributes here",
                    ));
                }
                let ty = &f.unnamed[0].ty;
                newtypes.push((
                    i,
                    quote! {
                        ::std::result::Result::map(
                            __serde::de::VariantAccess::newtype_variant::<#ty>(__variant),
                            #ident::#vident,
                        )
                    },
                ));
            }
            Fields::Named(named) => {
                let specs = named
                    .named
                    .iter()
                    .map(field_spec)
                    .collect::<syn::Result<Vec<_>>>()?;
                let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
                let fields_const = format_ident!("__FIELDS{}", i);
                let expecting = format!("struct variant {enum_name}::{}", vident.unraw());
                let body = visit_map_body(quote! { #ident::#vident }, &fields_const, &specs);
                structs.push((i, fields_const, names, expecting, body));
            }
            Fields::Unnamed(_) => {
                return Err(Error::new_spanned(
                    v,
                    "#[wire] supports unit, newtype and struct variants only",
                ))
            }
        }
    }

    // Every match below ends in a catch-all arm instead of an unreachable one (no panic in
    // the wasm): the key visitor only returns indexes of variants.
    // The unit variants: one `unit_variant` call for all, then the value by index.
    let unit_body = units.split_last().map(|((_, last_v), heads)| {
        let heads = heads.iter().map(|(i, v)| quote! { #i => #ident::#v, });
        quote! {{
            __serde::de::VariantAccess::unit_variant(__variant)?;
            ::std::result::Result::Ok(match __index {
                #(#heads)*
                _ => #ident::#last_v,
            })
        }}
    });
    let unit_arm = match &unit_body {
        None => quote! {},
        Some(body) => {
            let pats = units.iter().map(|(i, _)| *i);
            quote! { #(#pats)|* => #body }
        }
    };
    let (struct_arm, struct_visitor) = if structs.is_empty() {
        (quote! {}, quote! {})
    } else {
        let consts: Vec<TokenStream2> = structs
            .iter()
            .map(|(_, c, names, _, _)| quote! { const #c: &[&str] = &[#(#names),*]; })
            .collect();
        let n = structs.len();
        let exp_heads: Vec<TokenStream2> = structs[..n - 1]
            .iter()
            .map(|(i, _, _, e, _)| quote! { #i => #e, })
            .collect();
        let exp_last = &structs[n - 1].3;
        let body_heads: Vec<TokenStream2> = structs[..n - 1]
            .iter()
            .map(|(i, _, _, _, b)| quote! { #i => { #b } })
            .collect();
        let body_last = &structs[n - 1].4;
        let visitor = quote! {
            #(#consts)*

            /// The fields of the struct variant at this index.
            struct __Struct(usize);

            impl<'de> __serde::de::Visitor<'de> for __Struct {
                type Value = #ident;

                fn expecting(&self, __f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                    __f.write_str(match self.0 {
                        #(#exp_heads)*
                        _ => #exp_last,
                    })
                }

                fn visit_map<__A: __serde::de::MapAccess<'de>>(
                    self,
                    mut __map: __A,
                ) -> ::std::result::Result<Self::Value, __A::Error> {
                    match self.0 {
                        #(#body_heads)*
                        _ => { #body_last }
                    }
                }
            }
        };
        // JSON ignores the field list a struct variant is read with.
        (
            quote! {
                _ => __serde::de::VariantAccess::struct_variant(__variant, &[], __Struct(__index)),
            },
            visitor,
        )
    };
    // The catch-all arm: struct variants if any, else the newtype or unit arm comes last.
    let newtype_arms: Vec<TokenStream2> =
        newtypes.iter().map(|(i, e)| quote! { #i => #e, }).collect();
    let arms = if !structs.is_empty() {
        quote! { #unit_arm #(#newtype_arms)* #struct_arm }
    } else if let Some(((_, last), heads)) = newtypes.split_last() {
        let heads: Vec<TokenStream2> = heads.iter().map(|(i, e)| quote! { #i => #e, }).collect();
        quote! { #unit_arm #(#heads)* _ => #last, }
    } else {
        // Unit variants only.
        quote! { _ => #unit_body }
    };
    let expecting = format!("enum {enum_name}");
    Ok(quote! {
        const _: () = {
            use ::cosmwasm_schema::serde as __serde;

            const __VARIANTS: &[&str] = &[#(#variant_names),*];

            #struct_visitor

            struct __Visitor;

            impl<'de> __serde::de::Visitor<'de> for __Visitor {
                type Value = #ident;

                fn expecting(&self, __f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                    __f.write_str(#expecting)
                }

                fn visit_enum<__E: __serde::de::EnumAccess<'de>>(
                    self,
                    __data: __E,
                ) -> ::std::result::Result<Self::Value, __E::Error> {
                    let (__index, __variant) =
                        __data.variant_seed(::diachain_std::de::Key::variant(__VARIANTS))?;
                    match __index {
                        #arms
                    }
                }
            }

            impl<'de> __serde::Deserialize<'de> for #ident {
                fn deserialize<__D: __serde::Deserializer<'de>>(
                    __deserializer: __D,
                ) -> ::std::result::Result<Self, __D::Error> {
                    __deserializer.deserialize_enum(#enum_name, __VARIANTS, __Visitor)
                }
            }
        };
    })
}
