# acme-shop: a small web tier (one VPC, two subnets, a web server) with its buckets and a KMS key.
#
# This is the stack driftpatch demonstrates itself on (`driftpatch demo`): it is mostly well
# configured, with a few deliberate, commented misconfigurations for the rules to find.

locals {
  name = "${var.project}-${var.environment}"
}

# One customer-managed key for bucket encryption and EBS volumes.
resource "aws_kms_key" "data" {
  description             = "${local.name} data at rest"
  deletion_window_in_days = 7
  enable_key_rotation     = true

  tags = {
    Name = "${local.name}-data"
  }
}

module "network" {
  source = "../modules/network"

  name        = local.name
  cidr_block  = var.vpc_cidr
  subnets     = var.subnets
  region      = var.region
  admin_cidrs = var.admin_cidrs
}

# One module instance per bucket: module.buckets["logs"], module.buckets["assets"], ...
module "buckets" {
  source   = "../modules/bucket"
  for_each = var.buckets

  name        = "${local.name}-${each.key}"
  data_class  = each.value.data_class
  versioning  = each.value.versioning
  kms_key_arn = aws_kms_key.data.arn
}

module "app" {
  source = "../modules/app"

  name                 = local.name
  instance_type        = var.instance_type
  instance_count       = var.instance_count
  scratch_volume_count = var.scratch_volume_count
  subnet_ids           = [for key in sort(keys(var.subnets)) : module.network.subnet_ids[key]]
  security_group_ids   = [module.network.web_security_group_id]
  kms_key_arn          = aws_kms_key.data.arn
  assets_bucket_arn    = module.buckets["assets"].arn
  logs_bucket_arn      = module.buckets["logs"].arn
}
