# A VPC with one private subnet per availability zone, a security group for the web servers
# (rules as separate resources) and one for the database tier (rules inline).

resource "aws_vpc" "this" {
  cidr_block         = var.cidr_block
  enable_dns_support = true

  tags = {
    Name = var.name
  }
}

# One subnet per AZ suffix: aws_subnet.private["a"], aws_subnet.private["b"].
resource "aws_subnet" "private" {
  for_each = var.subnets

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value
  availability_zone       = "${var.region}${each.key}"
  map_public_ip_on_launch = false

  tags = {
    Name = "${var.name}-private-${each.key}"
    Tier = "private"
  }
}

resource "aws_security_group" "web" {
  name        = "${var.name}-web"
  description = "Web servers"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${var.name}-web"
  }
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  description       = "HTTPS from anywhere"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}

# The root module passes admin_cidrs = ["0.0.0.0/0"] (see terraform.tfvars): SSH from the
# internet, a deliberate misconfiguration for the demo.
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  description       = "SSH from the admin networks"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = var.admin_cidrs
  security_group_id = aws_security_group.web.id
}

resource "aws_security_group_rule" "egress" {
  type              = "egress"
  description       = "All outbound"
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}

# Database tier: reachable from the web servers only.
resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "Database tier"
  vpc_id      = aws_vpc.this.id

  ingress {
    description     = "PostgreSQL from the web servers"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.web.id]
  }

  egress {
    description = "Inside the VPC"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.cidr_block]
  }

  tags = {
    Name = "${var.name}-db"
  }
}
