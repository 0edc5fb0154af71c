# DB instances and Neptune, imported: the test creates them with boto3 once the groups exist,
# then applies this file with the stack. Created by Terraform they would cost ~85 s of provider waiting
# (its create waiter sleeps 60 s before the first poll); imported, the state is the same
# provider read, at once.

import {
  to = aws_db_instance.min
  id = "min"
}

resource "aws_db_instance" "min" {
  identifier          = "min"
  engine              = "mysql"
  engine_version      = "8.0.35"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  skip_final_snapshot = true
}

import {
  to = aws_db_instance.full
  id = "full"
}

resource "aws_db_instance" "full" {
  identifier                          = "full"
  engine                              = "postgres"
  engine_version                      = "13.4"
  instance_class                      = "db.t3.small"
  allocated_storage                   = 30
  max_allocated_storage               = 100
  storage_type                        = "gp3"
  storage_encrypted                   = true
  db_name                             = "app"
  username                            = "app"
  port                                = 5433
  db_subnet_group_name                = aws_db_subnet_group.full.name
  parameter_group_name                = aws_db_parameter_group.full.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  backup_retention_period             = 7
  backup_window                       = "03:00-03:30"
  maintenance_window                  = "sun:05:00-sun:05:30"
  copy_tags_to_snapshot               = true
  deletion_protection                 = false
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  publicly_accessible                 = false
  skip_final_snapshot                 = true

  tags = {
    Name = "full"
    Env  = "test"
  }
}

import {
  to = aws_db_instance.prefixed
  id = "db-20261205000000000000000001"
}

resource "aws_db_instance" "prefixed" {
  identifier_prefix   = "db-"
  engine              = "mysql"
  engine_version      = "8.0.35"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  option_group_name   = aws_db_option_group.full.name
  skip_final_snapshot = true
}

import {
  to = aws_db_instance.gone
  id = "gone"
}

resource "aws_db_instance" "gone" {
  identifier          = "gone"
  engine              = "mysql"
  engine_version      = "8.0.35"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  skip_final_snapshot = true
}

# ---------------------------------------------------------------- Neptune (the RDS API)

import {
  to = aws_neptune_cluster.graph
  id = "graph"
}

resource "aws_neptune_cluster" "graph" {
  cluster_identifier      = "graph"
  engine                  = "neptune"
  backup_retention_period = 5
  preferred_backup_window = "07:00-09:00"
  skip_final_snapshot     = true

  tags = {
    Env = "test"
  }
}

import {
  to = aws_neptune_cluster_instance.graph
  id = "graph-1"
}

resource "aws_neptune_cluster_instance" "graph" {
  identifier         = "graph-1"
  cluster_identifier = aws_neptune_cluster.graph.id
  engine             = "neptune"
  instance_class     = "db.r5.large"
  promotion_tier     = 1
}

import {
  to = aws_neptune_cluster_snapshot.graph
  id = "graph-snap"
}

resource "aws_neptune_cluster_snapshot" "graph" {
  db_cluster_identifier          = aws_neptune_cluster.graph.id
  db_cluster_snapshot_identifier = "graph-snap"
}

import {
  to = aws_neptune_cluster_snapshot.gone
  id = "graph-gone"
}

resource "aws_neptune_cluster_snapshot" "gone" {
  db_cluster_identifier          = aws_neptune_cluster.graph.id
  db_cluster_snapshot_identifier = "graph-gone"
}

# ---------------------------------------------------------------- RDS (Aurora) clusters

import {
  to = aws_rds_cluster.aurora
  id = "aurora"
}

resource "aws_rds_cluster" "aurora" {
  cluster_identifier      = "aurora"
  engine                  = "aurora-postgresql"
  engine_version          = "15.4"
  database_name           = "app"
  master_username         = "app"
  backup_retention_period = 3
  preferred_backup_window = "04:00-05:00"
  storage_encrypted       = true
  skip_final_snapshot     = true

  tags = {
    Env = "test"
  }
}
