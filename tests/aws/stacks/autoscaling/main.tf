# Oracle stack for the Auto Scaling, volume attachment, snapshot and EC2 extra readers
# (aws_autoscaling_group, aws_launch_configuration, aws_volume_attachment, aws_ebs_snapshot,
# aws_network_interface, aws_key_pair, aws_vpn_gateway, aws_customer_gateway):
# launch configurations minimal and full, a group on a launch configuration in subnets, a group on a launch template by availability zone with tags,
# metrics, suspended processes and termination policies. Applied to moto by
# tests/aws/test_autoscaling_oracle.py, changed out of band, refreshed, compared with the reader.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_launch_configuration" "web" {
  name          = "web"
  image_id      = "ami-1e749f67"
  instance_type = "t3.micro"
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
}

resource "aws_launch_configuration" "full" {
  name_prefix       = "full-"
  image_id          = "ami-1e749f67"
  instance_type     = "t3.small"
  security_groups   = [aws_security_group.web.id]
  enable_monitoring = false
  ebs_optimized     = true
  user_data         = "#!/bin/sh\necho hello\n"
  root_block_device {
    volume_size = 20
    volume_type = "gp3"
    encrypted   = true
  }
  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 10
    volume_type = "gp2"
  }
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
}

resource "aws_launch_configuration" "doomed" {
  name          = "doomed-lc"
  image_id      = "ami-1e749f67"
  instance_type = "t3.micro"
}

resource "aws_launch_template" "app" {
  name          = "app"
  image_id      = "ami-1e749f67"
  instance_type = "t3.micro"
}

resource "aws_autoscaling_group" "min" {
  name                 = "min"
  min_size             = 0
  max_size             = 1
  launch_configuration = aws_launch_configuration.web.name
  vpc_zone_identifier  = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_autoscaling_group" "full" {
  name_prefix               = "full-"
  min_size                  = 1
  max_size                  = 3
  desired_capacity          = 1
  availability_zones        = ["us-east-1a"]
  default_cooldown          = 120
  health_check_grace_period = 60
  health_check_type         = "EC2"
  termination_policies      = ["OldestInstance", "Default"]
  suspended_processes       = ["AZRebalance"]
  enabled_metrics           = ["GroupMinSize", "GroupMaxSize"]
  max_instance_lifetime     = 86400
  protect_from_scale_in     = true
  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }
  tag {
    key                 = "Env"
    value               = "test"
    propagate_at_launch = true
  }
  tag {
    key                 = "Team"
    value               = "web"
    propagate_at_launch = false
  }
}

resource "aws_autoscaling_group" "doomed" {
  name                 = "doomed"
  min_size             = 0
  max_size             = 0
  launch_configuration = aws_launch_configuration.web.name
  availability_zones   = ["us-east-1b"]
}

# ---------------------------------------------------------------- volume attachments

resource "aws_instance" "host" {
  ami           = "ami-1e749f67"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 1
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 1
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.host.id
}

resource "aws_volume_attachment" "doomed" {
  device_name  = "/dev/sdi"
  volume_id    = aws_ebs_volume.scratch.id
  instance_id  = aws_instance.host.id
  skip_destroy = true
}

# ---------------------------------------------------------------- snapshots

resource "aws_ebs_snapshot" "min" {
  volume_id = aws_ebs_volume.data.id
}

resource "aws_ebs_snapshot" "full" {
  volume_id   = aws_ebs_volume.data.id
  description = "nightly"
  tags = {
    Env = "test"
  }
}

resource "aws_ebs_snapshot" "doomed" {
  volume_id = aws_ebs_volume.scratch.id
}

# ---------------------------------------------------------------- network interfaces, key pairs, VPN

resource "aws_network_interface" "min" {
  subnet_id = aws_subnet.a.id
}

resource "aws_network_interface" "full" {
  subnet_id         = aws_subnet.b.id
  description       = "app eni"
  private_ips       = ["10.50.2.10", "10.50.2.11"]
  security_groups   = [aws_security_group.web.id]
  source_dest_check = false
  tags = {
    Env = "test"
  }
}

resource "aws_network_interface" "attached" {
  subnet_id = aws_subnet.a.id
  attachment {
    instance     = aws_instance.host.id
    device_index = 1
  }
}

resource "aws_network_interface" "doomed" {
  subnet_id = aws_subnet.a.id
}

resource "aws_key_pair" "deployer" {
  key_name   = "deployer"
  public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQD3F6tyPEFEzV0LX3X8BsXdMsQz1x2cEikKDEY0aIj41qgxMCP/iteneqXSIFZBp5vizPvaoIR3Um9xK7PGoW8giupGn+EPuxIA4cDM4vzOqOkiMPhz5XK0whEjkVzTo4+S0puvDZuwIsdiW9mxhJc7tgBNL0cYlWSYVkz4G/fslNfRPW5mYAM49f4fhtxPb5ok4Q2Lg9dPKVHO/Bgeu5woMc7RY0p1ej6D4CKFE6lymSDJpW0YHX/wqE9+cfEauh7xZcG0q9t2ta6F6fmX0agvpFyZo8aFbXeUBr7osSCJNgvavWbM/06niWrOvYX2xwWdhXmXSrbX8ZbabVohBK41 test@example.com"
  tags = {
    Env = "test"
  }
}

resource "aws_key_pair" "prefixed" {
  key_name_prefix = "ops-"
  public_key      = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw4TpD7zFf3TyE5EQ0fA0AhYy0q6mGzq0gtAxu2eJtq ops@example.com"
}

resource "aws_key_pair" "doomed" {
  key_name   = "doomed-key"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJq4p9nWdT8yE1TzE0V8oCKq3rH3vJt2vC1X2yQ6m6cF doomed@example.com"
}

resource "aws_vpn_gateway" "main" {
  vpc_id          = aws_vpc.main.id
  amazon_side_asn = "64512"
  tags = {
    Name = "main"
  }
}

resource "aws_vpn_gateway" "detached" {
  availability_zone = "us-east-1a"
}

resource "aws_customer_gateway" "office" {
  bgp_asn     = "65000"
  ip_address  = "203.0.113.12"
  type        = "ipsec.1"
  device_name = "office-router"
  tags = {
    Name = "office"
  }
}

resource "aws_customer_gateway" "doomed" {
  bgp_asn    = "65001"
  ip_address = "203.0.113.13"
  type       = "ipsec.1"
}
