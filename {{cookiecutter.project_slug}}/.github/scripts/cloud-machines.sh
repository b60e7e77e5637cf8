#!/usr/bin/env bash
{%- set aws_regions = {"us-east": "us-east-1", "us-west": "us-west-1", "eu-west": "eu-west-1", "eu-north": "eu-north-1"} %}
# Lists or removes the {{ cookiecutter.runner }} machines that the Train workflow's CML runners run on.
#
#   .github/scripts/cloud-machines.sh list|remove --run RUN_ID-ATTEMPT   the machine of one Train run
#   .github/scripts/cloud-machines.sh list|remove --older-than HOURS     every machine launched longer ago
#
# A runner machine removes itself when its job ends or it idles, but not always (a lost spot machine, a failed
# start-up, expired credentials): the Train workflow's clean-up job and the Sweep workflow call this script so
# that no machine is left running. It finds machines by the tags the launch job gives them
# (`cml runner launch --cloud-metadata`), so it never touches another repository's machines:
#   github-repository-id  the repository's numeric id (GITHUB_REPOSITORY_ID, which GitHub Actions sets)
#   github-run            RUN_ID-ATTEMPT of the Train run that launched the machine
#   github-launched-at    when it was launched, in seconds since 1970
# It signs in with the same secrets as `cml runner launch` (README.md, The cloud runner).
set -euo pipefail

usage="usage: $0 list|remove --run RUN_ID-ATTEMPT | --older-than HOURS"

fail() {
  echo "error: $*" >&2
  exit 2
}
{% if cookiecutter.runner == "aws" %}
# AWS: EC2 instances, and the key pair CML's provider creates for each (both named by the machine's Id tag).
export AWS_REGION="${AWS_REGION:-{{ aws_regions.get(cookiecutter.cloud_region, cookiecutter.cloud_region) }}}"

sign_in() {
  :  # the AWS CLI reads the credentials from the environment (aws-actions/configure-aws-credentials)
}

# One line per machine: launch time, run, name, instance id.
list_machines() {
  # shellcheck disable=SC2016  # the backquotes are JMESPath's, not the shell's
  aws ec2 describe-instances \
    --filters "Name=tag:github-repository-id,Values=$GITHUB_REPOSITORY_ID" \
    "Name=instance-state-name,Values=pending,running,stopping,stopped" \
    --query 'Reservations[].Instances[].[Tags[?Key==`github-launched-at`]|[0].Value, Tags[?Key==`github-run`]|[0].Value, Tags[?Key==`Id`]|[0].Value, InstanceId]' \
    --output text
}

remove_machine() {
  local name=$1 instance=$2
  aws ec2 terminate-instances --instance-ids "$instance" --output text >/dev/null
  aws ec2 delete-key-pair --key-name "$name"
}
{%- elif cookiecutter.runner == "gcp" %}
# Google Cloud: Compute Engine instances, and the two firewall rules CML's provider creates for each.
sign_in() {
  [ -n "${GOOGLE_APPLICATION_CREDENTIALS_DATA:-}" ] || fail "GOOGLE_APPLICATION_CREDENTIALS_DATA is not set: export the service account key that the CML runner uses"
  # A gcloud configuration of its own, so that a user's active account stays as it was.
  CLOUDSDK_CONFIG=$(mktemp -d)
  export CLOUDSDK_CONFIG
  trap 'rm -rf "$CLOUDSDK_CONFIG"' EXIT
  (umask 077 && printf '%s' "$GOOGLE_APPLICATION_CREDENTIALS_DATA" >"$CLOUDSDK_CONFIG/key.json")
  gcloud auth activate-service-account --key-file="$CLOUDSDK_CONFIG/key.json" --quiet
  CLOUDSDK_CORE_PROJECT=$(jq --raw-output .project_id "$CLOUDSDK_CONFIG/key.json")
  export CLOUDSDK_CORE_PROJECT
}

# One line per machine: launch time, run, name, zone.
list_machines() {
  gcloud compute instances list --filter="labels.github-repository-id=$GITHUB_REPOSITORY_ID" --format=json |
    jq --raw-output '.[] | [.labels["github-launched-at"], .labels["github-run"], .name, (.zone | split("/") | last)] | @tsv'
}

remove_machine() {
  local name=$1 zone=$2 rules
  gcloud compute instances delete "$name" --zone="$zone" --quiet
  rules=$(gcloud compute firewall-rules list --filter="targetTags:$name" --format=json | jq --raw-output '.[].name')
  if [ -n "$rules" ]; then
    # shellcheck disable=SC2086  # one rule name per word
    gcloud compute firewall-rules delete $rules --quiet
  fi
}
{%- elif cookiecutter.runner == "azure" %}
# Azure: CML's provider puts each machine, its disk, address and network in a resource group of its own.
sign_in() {
  # An Azure CLI configuration of its own, so that a user's own login stays as it was.
  AZURE_CONFIG_DIR=$(mktemp -d)
  export AZURE_CONFIG_DIR
  trap 'rm -rf "$AZURE_CONFIG_DIR"' EXIT
  az login --service-principal --username="$AZURE_CLIENT_ID" --password="$AZURE_CLIENT_SECRET" \
    --tenant="$AZURE_TENANT_ID" --output=none
  az account set --subscription="$AZURE_SUBSCRIPTION_ID"
}

# One line per machine: launch time, run, resource group, resource group.
list_machines() {
  az group list --tag="github-repository-id=$GITHUB_REPOSITORY_ID" \
    --query='[].[tags."github-launched-at", tags."github-run", name, name]' --output=tsv
}

remove_machine() {
  az group delete --name="$1" --yes --no-wait
}
{%- elif cookiecutter.runner == "kubernetes" %}
# Kubernetes: a runner is a job in the namespace of the configuration's current context.
sign_in() {
  [ -n "${KUBERNETES_CONFIGURATION:-}" ] || fail "KUBERNETES_CONFIGURATION is not set: export the kubeconfig that the CML runner uses"
  KUBECONFIG=$(mktemp)
  export KUBECONFIG
  trap 'rm -f "$KUBECONFIG"' EXIT
  (umask 077 && printf '%s' "$KUBERNETES_CONFIGURATION" >"$KUBECONFIG")
}

# One line per machine: launch time, run, job name, job name.
list_machines() {
  kubectl get jobs --selector="github-repository-id=$GITHUB_REPOSITORY_ID" --output=json |
    jq --raw-output '.items[].metadata | [.labels["github-launched-at"], .labels["github-run"], .name, .name] | @tsv'
}

remove_machine() {
  kubectl delete job "$1" --cascade=foreground --ignore-not-found
}
{%- endif %}

main() {
  local action=${1:-} selector=${2:-} value=${3:-}
  [[ $action == list || $action == remove ]] || fail "$usage"
  case $selector in
    --run) [[ $value =~ ^[0-9]+-[0-9]+$ ]] || fail "--run takes RUN_ID-ATTEMPT, such as 123456789-1, not '$value'" ;;
    --older-than) [[ $value =~ ^[0-9]+$ ]] || fail "--older-than takes a whole number of hours, not '$value'" ;;
    *) fail "$usage" ;;
  esac
  [ -n "${GITHUB_REPOSITORY_ID:-}" ] || fail "GITHUB_REPOSITORY_ID is not set: export the repository's id (gh api repos/OWNER/REPO --jq .id)"

  sign_in
  local machines now found=0 launched run name handle age_hours
  machines=$(list_machines)
  now=$(date +%s)
  while IFS=$'\t' read -r launched run name handle; do
    [ -n "$name" ] || continue
    [[ $launched =~ ^[0-9]+$ ]] || launched=0  # no launch time: treated as the oldest
    if [[ $selector == --run && $run != "$value" ]] || [[ $selector == --older-than && $((now - launched)) -lt $((value * 3600)) ]]; then
      continue
    fi
    found=$((found + 1))
    age_hours=$(((now - launched) / 3600))
    if [[ $action == remove ]]; then
      echo "Removing $name (run $run, launched $age_hours h ago)"
      remove_machine "$name" "$handle" </dev/null  # the cloud CLIs must not read the rest of the list
    else
      echo "$name (run $run, launched $age_hours h ago)"
    fi
  done <<<"$machines"
  if ((found == 0)); then
    echo "No runner machine matches $selector $value."
  fi
}

main "$@"
