project     = "acme-shop"
environment = "staging"

instance_type = "t3.micro"

# Deliberate misconfiguration: SSH open to the whole internet "until the VPN is set up".
# driftpatch (DP-VPC-001) and checkov (CKV_AWS_24) both flag the rule this feeds.
admin_cidrs = ["0.0.0.0/0"]

buckets = {
  logs    = { data_class = "internal", versioning = true }
  assets  = { data_class = "public", versioning = true }
  backups = { data_class = "confidential", versioning = true }
}
