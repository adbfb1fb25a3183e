//! Bedrock application inference profiles: the ARNs
//! (`arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123`) that appear as
//! `ModelId` in CloudWatch metrics and invocation logs when an application calls through one.
//! `ListInferenceProfiles` (`typeEquals=APPLICATION`, paged by `nextToken`) gives each profile's
//! name and the foundation models it routes to (`models[].modelArn`), so its calls are priced as
//! that model; `ListTagsForResource` gives its tags (how teams label profiles by use case), shown
//! beside its name. `GetInferenceProfile` reads a profile the list did not return (one shared
//! from another account, seen in the metrics).
//!
//! Optional like Service Quotas: denied, the health carries a calm note and profile ARNs stay
//! unpriced ("no price"), never a banner. Read at start, then hourly.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_bedrock::Client;
use aws_sdk_bedrock::types::InferenceProfileType;
use tokio::sync::mpsc::UnboundedSender;

use super::aws::{ErrorContext, classify};
use crate::domain::catalog::is_application_profile;
use crate::sanitize::one_line;
use crate::store::prices::{InferenceProfile, InferenceProfilesUpdate};
use crate::store::{ErrorKind, SourceError, SourceHealth, Update};

pub const ACTIONS: &str = "bedrock:ListInferenceProfiles";
/// Pages at most (the API's maximum page is 1000 profiles).
pub const MAX_PAGES: usize = 20;
pub const REFRESH: Duration = Duration::from_secs(3600);

/// Reads one Region's application inference profiles.
pub struct ProfilesSource {
    client: Client,
    region: String,
    ctx: ErrorContext,
    pub health: SourceHealth,
}

impl ProfilesSource {
    pub fn new(client: Client, region: &str, profile: Option<&str>, endpoint: Option<&str>) -> Self {
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new(ACTIONS, profile, Some(region), endpoint),
            health: SourceHealth::new("profiles", Some(region)),
        }
    }

    /// Key the update and the health by `label` (`profile/region`), as the metrics are.
    pub fn labelled(mut self, label: &str) -> Self {
        self.health.region = Some(label.into());
        self
    }

    /// List the profiles (and `extra` ARNs seen elsewhere, with `GetInferenceProfile`), each with
    /// its tags. On failure the health records a calm note.
    pub async fn poll(&mut self, extra: &[String], now: i64) -> Result<InferenceProfilesUpdate, SourceError> {
        let res = self.fetch(extra, now).await;
        match &res {
            Ok(_) => self.health.record_ok(now),
            Err(e) => {
                let note = fallback_note(e);
                self.health.record_error(e.clone());
                self.health.note = Some(note);
            }
        }
        res
    }

    /// Read profiles the list did not return (`GetInferenceProfile`, e.g. one shared from another
    /// account, seen as a `ModelId`), with their tags. Failures are logged; what was read is kept.
    pub async fn resolve(&mut self, arns: &[String], now: i64) -> InferenceProfilesUpdate {
        let mut profiles = Vec::new();
        self.get_each(arns, &mut profiles, now).await;
        self.tag_each(&mut profiles, now).await;
        InferenceProfilesUpdate { region: self.region.clone(), profiles }
    }

    async fn fetch(&mut self, extra: &[String], now: i64) -> Result<InferenceProfilesUpdate, SourceError> {
        let mut profiles = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let res = self
                .client
                .list_inference_profiles()
                .type_equals(InferenceProfileType::Application)
                .max_results(1000)
                .set_next_token(token.take())
                .send()
                .await;
            self.health.calls += 1;
            let res = res.map_err(|e| classify(&e, &self.ctx, now))?;
            for s in res.inference_profile_summaries() {
                let models: Vec<String> = s.models().iter().filter_map(|m| m.model_arn()).map(one_line).collect();
                profiles.push(profile(
                    s.inference_profile_arn(),
                    s.inference_profile_id(),
                    s.inference_profile_name(),
                    s.r#type().as_str(),
                    models,
                ));
            }
            token = res.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        self.get_each(extra, &mut profiles, now).await;
        self.tag_each(&mut profiles, now).await;
        Ok(InferenceProfilesUpdate { region: self.region.clone(), profiles })
    }

    async fn get_each(&mut self, arns: &[String], profiles: &mut Vec<InferenceProfile>, now: i64) {
        for arn in arns.iter().filter(|a| is_application_profile(a)) {
            if profiles.iter().any(|p: &InferenceProfile| &p.arn == arn) {
                continue;
            }
            let res = self.client.get_inference_profile().inference_profile_identifier(arn).send().await;
            self.health.calls += 1;
            match res {
                Ok(g) => {
                    let models = g.models().iter().filter_map(|m| m.model_arn()).map(one_line).collect();
                    profiles.push(profile(
                        g.inference_profile_arn(),
                        g.inference_profile_id(),
                        g.inference_profile_name(),
                        g.r#type().as_str(),
                        models,
                    ));
                }
                // one unknown profile is no reason to lose the others
                Err(e) => tracing::info!(%arn, "GetInferenceProfile: {}", classify(&e, &self.ctx, now).one_line()),
            }
        }
    }

    async fn tag_each(&mut self, profiles: &mut [InferenceProfile], now: i64) {
        for p in profiles.iter_mut() {
            let res = self.client.list_tags_for_resource().resource_arn(&p.arn).send().await;
            self.health.calls += 1;
            match res {
                Ok(t) => {
                    p.tags =
                        t.tags().iter().map(|t| (one_line(t.key()), one_line(t.value()))).collect::<BTreeMap<_, _>>();
                }
                Err(e) => {
                    tracing::info!(arn = %p.arn, "ListTagsForResource: {}", classify(&e, &self.ctx, now).one_line())
                }
            }
        }
    }
}

fn profile(arn: &str, id: &str, name: &str, kind: &str, models: Vec<String>) -> InferenceProfile {
    let arn = one_line(arn);
    InferenceProfile {
        model_id: InferenceProfile::pick_model(&arn, &models),
        arn,
        id: one_line(id),
        name: one_line(name),
        kind: one_line(kind),
        models,
        tags: BTreeMap::new(),
    }
}

/// What the operator reads instead of an error.
pub fn fallback_note(e: &SourceError) -> String {
    if e.kind == ErrorKind::AccessDenied {
        return format!("inference profiles not readable ({ACTIONS} denied) — profile ARNs stay unpriced");
    }
    let why = e.code.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| e.message.clone());
    let why: String = one_line(&why).chars().take(80).collect();
    format!("inference profiles not read ({why}) — profile ARNs stay unpriced")
}

/// Read the profiles until the UI goes away: now, then hourly.
pub fn spawn(mut src: ProfilesSource, tx: UnboundedSender<Update>) {
    tokio::spawn(async move {
        loop {
            if let Ok(u) = src.poll(&[], super::aws::now()).await
                && tx.send(Update::InferenceProfiles(u)).is_err()
            {
                return;
            }
            if tx.send(Update::Health(src.health.clone())).is_err() {
                return;
            }
            tokio::time::sleep(REFRESH).await;
            if tx.is_closed() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_bedrock::operation::list_inference_profiles::ListInferenceProfilesOutput;
    use aws_sdk_bedrock::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use aws_sdk_bedrock::types::{InferenceProfileModel, InferenceProfileStatus, InferenceProfileSummary, Tag};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    const ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";

    fn summary(arn: &str, name: &str, models: &[&str]) -> InferenceProfileSummary {
        InferenceProfileSummary::builder()
            .inference_profile_arn(arn)
            .inference_profile_id(arn.rsplit('/').next().unwrap())
            .inference_profile_name(name)
            .r#type(InferenceProfileType::Application)
            .status(InferenceProfileStatus::Active)
            .set_models(Some(models.iter().map(|m| InferenceProfileModel::builder().model_arn(*m).build()).collect()))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn profiles_are_listed_with_their_model_and_tags() {
        let page1 = mock!(Client::list_inference_profiles)
            .match_requests(|r| r.next_token().is_none() && r.type_equals() == Some(&InferenceProfileType::Application))
            .then_output(|| {
                ListInferenceProfilesOutput::builder()
                    .inference_profile_summaries(summary(
                        ARN,
                        "support-bot",
                        &[
                            "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                        ],
                    ))
                    .next_token("t2")
                    .build()
            });
        let page2 =
            mock!(Client::list_inference_profiles).match_requests(|r| r.next_token() == Some("t2")).then_output(|| {
                ListInferenceProfilesOutput::builder()
                    .inference_profile_summaries(summary(
                        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/def456",
                        "batch\u{1b}[31m",
                        &["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"],
                    ))
                    .build()
            });
        let tags =
            mock!(Client::list_tags_for_resource).match_requests(|r| r.resource_arn() == Some(ARN)).then_output(|| {
                ListTagsForResourceOutput::builder()
                    .tags(Tag::builder().key("team").value("support").build().unwrap())
                    .build()
            });
        let no_tags =
            mock!(Client::list_tags_for_resource).then_output(|| ListTagsForResourceOutput::builder().build());
        let client = mock_client!(aws_sdk_bedrock, RuleMode::MatchAny, [&page1, &page2, &tags, &no_tags]);
        let mut src = ProfilesSource::new(client, "us-east-1", None, None);
        let u = src.poll(&[], 100).await.unwrap();
        assert_eq!(u.profiles.len(), 2);
        let p = &u.profiles[0];
        assert_eq!((p.name.as_str(), p.kind.as_str()), ("support-bot", "APPLICATION"));
        // priced as its model in its own Region
        assert_eq!(p.model_id.as_deref(), Some("anthropic.claude-3-haiku-20240307-v1:0"));
        assert_eq!(p.tags.get("team").map(String::as_str), Some("support"));
        assert_eq!(u.profiles[1].model_id.as_deref(), Some("amazon.nova-pro-v1:0"));
        assert!(!u.profiles[1].name.contains('\u{1b}'), "AWS text is sanitised");
        assert_eq!(src.health.calls, 4);
    }

    #[tokio::test]
    async fn a_profile_the_list_does_not_return_is_read_by_its_arn() {
        use aws_sdk_bedrock::operation::get_inference_profile::GetInferenceProfileOutput;
        let shared = "arn:aws:bedrock:us-east-1:210987654321:application-inference-profile/shared1";
        let get = mock!(Client::get_inference_profile)
            .match_requests(move |r| r.inference_profile_identifier() == Some(shared))
            .then_output(move || {
                GetInferenceProfileOutput::builder()
                    .inference_profile_arn(shared)
                    .inference_profile_id("shared1")
                    .inference_profile_name("partner-search")
                    .r#type(InferenceProfileType::Application)
                    .status(InferenceProfileStatus::Active)
                    .models(
                        InferenceProfileModel::builder()
                            .model_arn("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")
                            .build(),
                    )
                    .build()
                    .unwrap()
            });
        let tags = mock!(Client::list_tags_for_resource).then_output(|| ListTagsForResourceOutput::builder().build());
        let client = mock_client!(aws_sdk_bedrock, RuleMode::MatchAny, [&get, &tags]);
        let mut src = ProfilesSource::new(client, "us-east-1", None, None);
        // only profile ARNs are looked up (a plain model id is not)
        let u = src.resolve(&[shared.to_string(), "amazon.nova-lite-v1:0".to_string()], 5).await;
        assert_eq!(u.profiles.len(), 1);
        assert_eq!(u.profiles[0].name, "partner-search");
        assert_eq!(u.profiles[0].model_id.as_deref(), Some("amazon.nova-lite-v1:0"));
        assert_eq!(get.num_calls(), 1);
    }
}
