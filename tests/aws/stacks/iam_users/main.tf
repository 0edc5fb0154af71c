# Oracle stack for the IAM users reader (users, groups, their inline policies, attachments and
# memberships, access keys, instance profiles) in several shapes. Applied to moto by
# tests/aws/test_iam_users_oracle.py, changed out of band, refreshed, and compared with the reader.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

locals {
  ec2_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_policy" "read" {
  name = "read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}

resource "aws_iam_policy" "write" {
  name = "write"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }]
  })
}

# ---------------------------------------------------------------- users

resource "aws_iam_user" "min" {
  name = "min"
}

resource "aws_iam_user" "full" {
  name          = "full"
  path          = "/people/"
  force_destroy = true
  tags = {
    Name = "full"
    Env  = "test"
  }
}

resource "aws_iam_user" "deploy" {
  name = "deploy"
  tags = { Team = "ci" }
}

resource "aws_iam_user" "gone" {
  name = "gone"
}

# ---------------------------------------------------------------- inline user policies

resource "aws_iam_user_policy" "named" {
  name = "named"
  user = aws_iam_user.full.name
  # Version last: the provider moves it first ("legacy" normalisation).
  policy = <<-JSON
    {"Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
     "Version": "2012-10-17"}
  JSON
}

resource "aws_iam_user_policy" "prefixed" {
  name_prefix = "inl-"
  user        = aws_iam_user.deploy.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], Resource = "*" }]
  })
}

resource "aws_iam_user_policy" "removed" {
  name   = "removed"
  user   = aws_iam_user.deploy.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sns:Publish", Resource = "*" }] })
}

# ---------------------------------------------------------------- user policy attachments

resource "aws_iam_user_policy_attachment" "kept" {
  user       = aws_iam_user.full.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_user_policy_attachment" "detached" {
  user       = aws_iam_user.deploy.name
  policy_arn = aws_iam_policy.write.arn
}

# ---------------------------------------------------------------- access keys

resource "aws_iam_access_key" "active" {
  user = aws_iam_user.deploy.name
}

resource "aws_iam_access_key" "inactive" {
  user   = aws_iam_user.full.name
  status = "Inactive"
}

resource "aws_iam_access_key" "revoked" {
  user = aws_iam_user.min.name
}

# ---------------------------------------------------------------- groups

resource "aws_iam_group" "devs" {
  name = "devs"
  path = "/teams/"
}

resource "aws_iam_group" "ops" {
  name = "ops"
}

resource "aws_iam_group" "auditors" {
  name = "auditors"
}

resource "aws_iam_group_policy" "devs" {
  name  = "devs"
  group = aws_iam_group.devs.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "logs:GetLogEvents", Resource = "*" }]
  })
}

resource "aws_iam_group_policy" "ops" {
  name_prefix = "ops-"
  group       = aws_iam_group.ops.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:RebootInstances", Resource = "*" }]
  })
}

resource "aws_iam_group_policy_attachment" "devs_read" {
  group      = aws_iam_group.devs.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_group_policy_attachment" "ops_write" {
  group      = aws_iam_group.ops.name
  policy_arn = aws_iam_policy.write.arn
}

resource "aws_iam_group_membership" "devs" {
  name  = "devs-members"
  group = aws_iam_group.devs.name
  users = [aws_iam_user.full.name, aws_iam_user.min.name]
}

resource "aws_iam_user_group_membership" "deploy" {
  user   = aws_iam_user.deploy.name
  groups = [aws_iam_group.ops.name, aws_iam_group.auditors.name]
}

# ---------------------------------------------------------------- instance profiles

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = local.ec2_trust
}

resource "aws_iam_role" "other" {
  name               = "other"
  assume_role_policy = local.ec2_trust
}

resource "aws_iam_instance_profile" "app" {
  name = "app"
  path = "/apps/"
  role = aws_iam_role.app.name
  tags = { Env = "test" }
}

resource "aws_iam_instance_profile" "bare" {
  name_prefix = "bare-"
}

resource "aws_iam_instance_profile" "swapped" {
  name = "swapped"
  role = aws_iam_role.other.name
}
