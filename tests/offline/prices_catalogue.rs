//! The built-in price table covers the Bedrock text and embedding catalogue, under every form a
//! model id takes in CloudWatch metrics, invocation logs and spans (issue 12, item 9).

use nightjar::domain::pricing::{PriceTable, Tokens};

/// Model ids as Bedrock names them (the "Supported foundation models" list), one per model the
/// built-in table must price. Claude 3/3.5/3.7 Sonnet, Jamba, Mistral Large 2407 and Nova Premier
/// are the ones real third-party invocation logs and spans carried with no price.
const CATALOGUE: &[&str] = &[
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-sonnet-20240229-v1:0",
    "anthropic.claude-3-opus-20240229-v1:0",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
    "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "anthropic.claude-sonnet-4-20250514-v1:0",
    "anthropic.claude-opus-4-20250514-v1:0",
    "anthropic.claude-opus-4-1-20250805-v1:0",
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-opus-4-5-20251101-v1:0",
    "anthropic.claude-sonnet-4-6",
    "anthropic.claude-opus-4-6-v1",
    "amazon.nova-micro-v1:0",
    "amazon.nova-lite-v1:0",
    "amazon.nova-pro-v1:0",
    "amazon.nova-premier-v1:0",
    "amazon.nova-2-lite-v1:0",
    "amazon.titan-text-express-v1",
    "amazon.titan-text-lite-v1",
    "amazon.titan-text-premier-v1:0",
    "amazon.titan-embed-text-v1",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-8b-instruct-v1:0",
    "meta.llama3-70b-instruct-v1:0",
    "meta.llama3-1-8b-instruct-v1:0",
    "meta.llama3-1-70b-instruct-v1:0",
    "meta.llama3-1-405b-instruct-v1:0",
    "meta.llama3-2-1b-instruct-v1:0",
    "meta.llama3-2-3b-instruct-v1:0",
    "meta.llama3-2-11b-instruct-v1:0",
    "meta.llama3-2-90b-instruct-v1:0",
    "meta.llama3-3-70b-instruct-v1:0",
    "meta.llama4-scout-17b-instruct-v1:0",
    "meta.llama4-maverick-17b-instruct-v1:0",
    "mistral.mistral-7b-instruct-v0:2",
    "mistral.mixtral-8x7b-instruct-v0:1",
    "mistral.mistral-large-2402-v1:0",
    "mistral.mistral-large-2407-v1:0",
    "mistral.mistral-small-2402-v1:0",
    "mistral.pixtral-large-2502-v1:0",
    "ai21.jamba-1-5-large-v1:0",
    "ai21.jamba-1-5-mini-v1:0",
    "cohere.command-r-v1:0",
    "cohere.command-r-plus-v1:0",
    "cohere.embed-english-v3",
    "cohere.embed-multilingual-v3",
    "deepseek.r1-v1:0",
    "deepseek.v3-v1:0",
    "writer.palmyra-x4-v1:0",
    "writer.palmyra-x5-v1:0",
    "qwen.qwen3-32b-v1:0",
    "qwen.qwen3-coder-30b-a3b-v1:0",
    "openai.gpt-oss-20b-1:0",
    "openai.gpt-oss-120b-1:0",
];

fn unpriced<'a>(t: &PriceTable, ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    ids.into_iter().filter(|id| t.price(id).is_none()).collect()
}

#[test]
fn the_whole_text_and_embedding_catalogue_is_priced() {
    let t = PriceTable::default();
    let missing = unpriced(&t, CATALOGUE.iter().copied());
    assert!(
        missing.is_empty(),
        "{} of {} catalogue models have no built-in price: {missing:#?}",
        missing.len(),
        CATALOGUE.len()
    );
    // text models have an output price (a $0 output would be a silent under-count)
    for id in CATALOGUE.iter().filter(|id| !id.contains("embed")) {
        assert!(t.price(id).unwrap().output > 0.0, "{id} has no output price");
    }
}

#[test]
fn every_real_form_of_a_model_id_finds_its_price() {
    let t = PriceTable::default();
    let forms = [
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "apac.anthropic.claude-3-5-sonnet-20241022-v2:0",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "au.anthropic.claude-haiku-4-5-20251001-v1:0",
        "us-gov.anthropic.claude-3-haiku-20240307-v1:0",
        "ca.anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-3-sonnet-20240229-v1:0:200k",
        "anthropic.claude-3-haiku-20240307-v1:0:48k",
        "us.amazon.nova-premier-v1:0",
        "us.meta.llama3-2-90b-instruct-v1:0",
        "us.deepseek.r1-v1:0",
        "us.writer.palmyra-x5-v1:0",
        "amazon.titan-embed-text-v2:0:8k",
    ];
    let missing = unpriced(&t, forms);
    assert!(missing.is_empty(), "no price for: {missing:#?}");
    // the context suffix and the ARN do not change the price
    let tok = Tokens { input: 1e6, output: 1e6, ..Default::default() };
    assert_eq!(
        t.cost("anthropic.claude-3-sonnet-20240229-v1:0:200k", tok),
        t.cost("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0", tok)
    );
    assert_eq!(t.cost("anthropic.claude-3-sonnet-20240229-v1:0", tok), Some(18.0));
}

#[test]
fn ids_that_name_no_model_are_not_guessed() {
    let t = PriceTable::default();
    // a provisioned-throughput or custom model ARN names no model in itself: no price, not $0
    for id in [
        "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234efgh",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
        "acme.mystery-v1",
    ] {
        assert!(t.price(id).is_none(), "{id} priced");
    }
}
